import * as v from 'valibot'
import { eventContract, type DomainEvent } from './envelope.ts'
import { Cents, formatCents } from './money.ts'
import { PartNumber, PartsLine, Quantity, Shortage } from './parts.ts'
import { Identifier, multilineText } from './text.ts'
import { RecordedTimestamp } from './timestamp.ts'
import { JobId, PlanningDate } from './workshop.ts'

export const RepairId = Identifier
export const ProposalId = Identifier

/** Hours of labour, in hundredths at most (`1.25`), more than none and at most 1,000. */
export const LabourHours = v.pipe(
  v.number('must be a number of hours such as 1.5'),
  v.minValue(0.01, 'must be at least 0.01'),
  v.maxValue(1000, 'must be at most 1000'),
  // `1.15 * 100` is 114.99999999999999 in floating point: a hundredth is what lies within a hair of one.
  v.check(
    (hours) => Math.abs(hours * 100 - Math.round(hours * 100)) < 1e-6,
    'must have at most two decimals',
  ),
)

/** Body of `POST /api/repairs`: a repair of a planned job; its id is generated when absent. */
export const StartRepairBody = v.object({
  repairId: v.optional(
    v.pipe(
      RepairId,
      // Its address would be that of the dead letters, `/api/repairs/dead-letters`.
      v.check((id) => id !== 'dead-letters', 'must not be dead-letters, the address of the dead letters'),
    ),
  ),
  jobId: JobId,
})

/** Body of `POST /api/repairs/{id}/proposals`: extra work found, for the customer to approve. */
export const ProposeExtraWorkBody = v.object({
  proposalId: v.optional(ProposalId),
  description: v.pipe(multilineText(500), v.nonEmpty('must not be empty')),
  labourHours: LabourHours,
  parts: v.pipe(
    v.array(PartsLine),
    v.maxLength(20, 'must have at most 20 lines'),
    v.check(
      (lines) => new Set(lines.map((l) => l.partNumber)).size === lines.length,
      'must name each part once',
    ),
  ),
})
/**
 * Body of `POST /api/repairs/{id}/approve`: the proposal the customer saw, so an answer (or a retry of
 * it) never lands on a later proposal at another price.
 */
export const ApproveRepairBody = v.object({ proposalId: ProposalId })
/** Body of `POST /api/repairs/{id}/reject`. */
export const RejectRepairBody = v.object({
  proposalId: ProposalId,
  reason: v.pipe(multilineText(500), v.nonEmpty('must not be empty')),
})

export const RepairStarted = eventContract(
  'RepairStarted',
  1,
  v.object({
    repairId: RepairId,
    jobId: JobId,
    planningDate: PlanningDate,
    customerId: Identifier,
    licenseNumber: v.string(),
  }),
)
export const ExtraWorkProposed = eventContract(
  'ExtraWorkProposed',
  1,
  v.object({
    repairId: RepairId,
    proposalId: ProposalId,
    description: v.string(),
    labourHours: v.number(),
    parts: v.array(PartsLine),
  }),
)
/** The price the customer is asked to approve, in integer cents: labour, each part, the total. */
export const PriceBreakdown = v.object({
  labour: v.object({ hours: v.number(), hourlyRateCents: Cents, amountCents: Cents }),
  parts: v.array(
    v.object({ partNumber: PartNumber, quantity: Quantity, unitPriceCents: Cents, amountCents: Cents }),
  ),
  totalCents: Cents,
})
export type PriceBreakdown = v.InferOutput<typeof PriceBreakdown>

/** A price as the API shows money: amounts with two decimals (`"18.50"`), not cents. */
export const priceView = ({ labour, parts, totalCents }: PriceBreakdown) => ({
  labour: {
    hours: labour.hours,
    hourlyRate: formatCents(labour.hourlyRateCents),
    amount: formatCents(labour.amountCents),
  },
  parts: parts.map(({ partNumber, quantity, unitPriceCents, amountCents }) => ({
    partNumber,
    quantity,
    unitPrice: formatCents(unitPriceCents),
    amount: formatCents(amountCents),
  })),
  total: formatCents(totalCents),
})
export const CustomerApprovalRequested = eventContract(
  'CustomerApprovalRequested',
  1,
  v.object({
    repairId: RepairId,
    proposalId: ProposalId,
    customerId: Identifier,
    description: v.string(),
    price: PriceBreakdown,
    expiresAt: RecordedTimestamp,
  }),
)
export const ProposalFailed = eventContract(
  'ProposalFailed',
  1,
  v.object({ repairId: RepairId, proposalId: ProposalId, shortages: v.array(Shortage) }),
)
export const RepairApproved = eventContract(
  'RepairApproved',
  1,
  v.object({ repairId: RepairId, proposalId: ProposalId }),
)
export const RepairRejected = eventContract(
  'RepairRejected',
  1,
  v.object({ repairId: RepairId, proposalId: ProposalId, reason: v.string() }),
)
export const ApprovalExpired = eventContract(
  'ApprovalExpired',
  1,
  v.object({ repairId: RepairId, proposalId: ProposalId }),
)
export const RepairCompleted = eventContract(
  'RepairCompleted',
  1,
  v.object({
    repairId: RepairId,
    jobId: JobId,
    planningDate: PlanningDate,
    startedAt: RecordedTimestamp,
    completedAt: RecordedTimestamp,
  }),
)

export type RepairStarted = DomainEvent<typeof RepairStarted>
export type ExtraWorkProposed = DomainEvent<typeof ExtraWorkProposed>
export type CustomerApprovalRequested = DomainEvent<typeof CustomerApprovalRequested>
export type ProposalFailed = DomainEvent<typeof ProposalFailed>
export type RepairApproved = DomainEvent<typeof RepairApproved>
export type RepairRejected = DomainEvent<typeof RepairRejected>
export type ApprovalExpired = DomainEvent<typeof ApprovalExpired>
export type RepairCompleted = DomainEvent<typeof RepairCompleted>
