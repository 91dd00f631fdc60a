import type * as v from 'valibot'
import type { PartsLine, ReservedLine, Shortage } from '../../shared/contracts/index.ts'
import { evolve, type Repair, type RepairEvent, type StartedRepair } from './events.ts'
import { priceOf } from './price.ts'
import {
  approvalNotPending,
  proposalNotCurrent,
  completeAfterStart,
  jobNotFinished,
  oneProposalAtATime,
  proposalAwaitingAnswer,
  repairAlreadyCompleted,
  repairExists,
  repairIdUnique,
  unknownJob,
  type KnownJob,
} from './rules.ts'

// Every command carries `now`, the time the route (or the consumer, or the tick) decided at; the events
// decided are recorded at that time too.
type At<TData> = TData & { repairId: string; now: string }

export type StartRepair = { type: 'StartRepair'; data: At<{ jobId: string; job: KnownJob | undefined }> }
export type ProposeExtraWork = {
  type: 'ProposeExtraWork'
  data: At<{
    proposalId: string
    description: string
    labourHours: number
    parts: v.InferOutput<typeof PartsLine>[]
  }>
}
export type RecordPartsReserved = {
  type: 'RecordPartsReserved'
  data: At<{ reservationId: string; lines: v.InferOutput<typeof ReservedLine>[] }>
}
export type RecordPartsUnavailable = {
  type: 'RecordPartsUnavailable'
  data: At<{ reservationId: string; shortages: v.InferOutput<typeof Shortage>[] }>
}
export type ApproveRepair = { type: 'ApproveRepair'; data: At<{ proposalId: string }> }
export type RejectRepair = { type: 'RejectRepair'; data: At<{ proposalId: string; reason: string }> }
export type ExpireApproval = { type: 'ExpireApproval'; data: At<object> }
export type CompleteRepair = { type: 'CompleteRepair'; data: At<object> }
export type RepairCommand =
  | StartRepair
  | ProposeExtraWork
  | RecordPartsReserved
  | RecordPartsUnavailable
  | ApproveRepair
  | RejectRepair
  | ExpireApproval
  | CompleteRepair

/** How repairs are priced and how long a customer has to answer; from the settings, not the request. */
export interface RepairPolicy {
  hourlyRateCents: number
  approvalTimeoutMs: number
}

export function startRepair({ data }: StartRepair, repair: Repair): RepairEvent[] {
  const { repairId, jobId, job, now } = data
  repairIdUnique(repair, repairId)
  unknownJob(job, jobId)
  jobNotFinished(job)
  const { planningDate, customerId, licenseNumber } = job
  return [
    {
      type: 'RepairStarted',
      data: { repairId, jobId, planningDate, customerId, licenseNumber },
      occurredAt: now,
    },
  ]
}

export function proposeExtraWork({ data }: ProposeExtraWork, repair: Repair): RepairEvent[] {
  const { now, ...proposal } = data
  repairExists(repair, data.repairId)
  const { expired, after } = lapse(repair, now)
  repairAlreadyCompleted(after)
  oneProposalAtATime(after)
  return [...expired, { type: 'ExtraWorkProposed', data: proposal }]
}

/** The parts service's answer, when it answers the proposal awaiting the parts; any other changes nothing. */
export function recordPartsReserved(
  { data }: RecordPartsReserved,
  repair: Repair,
  policy: RepairPolicy,
): RepairEvent[] {
  const proposal = awaitingParts(repair, data.reservationId)
  if (!proposal || repair.status === 'none') return []
  const expiresAt = new Date(Date.parse(data.now) + policy.approvalTimeoutMs).toISOString()
  return [
    {
      type: 'CustomerApprovalRequested',
      data: {
        repairId: repair.repairId,
        proposalId: proposal.proposalId,
        customerId: repair.customerId,
        description: proposal.description,
        price: priceOf(proposal.labourHours, policy.hourlyRateCents, data.lines),
        expiresAt,
      },
    },
  ]
}

export function recordPartsUnavailable({ data }: RecordPartsUnavailable, repair: Repair): RepairEvent[] {
  const proposal = awaitingParts(repair, data.reservationId)
  if (!proposal) return []
  const { repairId, shortages } = data
  return [{ type: 'ProposalFailed', data: { repairId, proposalId: proposal.proposalId, shortages } }]
}

const awaitingParts = (repair: Repair, proposalId: string) => {
  if (repair.status !== 'awaiting-parts') return undefined
  const proposal = repair.proposals.at(-1)
  return proposal?.proposalId === proposalId ? proposal : undefined
}

/** Approving after the approval expired records that it expired instead (see `expiredInstead`). */
export function approveRepair({ data }: ApproveRepair, repair: Repair): RepairEvent[] {
  repairExists(repair, data.repairId)
  const { expired } = lapse(repair, data.now)
  if (expired.length > 0) return expired
  approvalNotPending(repair)
  proposalNotCurrent(repair, data.proposalId)
  return [{ type: 'RepairApproved', data: { repairId: repair.repairId, proposalId: proposalIdOf(repair) } }]
}

/** Rejecting after the approval expired records that it expired instead (see `expiredInstead`). */
export function rejectRepair({ data }: RejectRepair, repair: Repair): RepairEvent[] {
  repairExists(repair, data.repairId)
  const { expired } = lapse(repair, data.now)
  if (expired.length > 0) return expired
  approvalNotPending(repair)
  proposalNotCurrent(repair, data.proposalId)
  const { repairId } = repair
  return [
    { type: 'RepairRejected', data: { repairId, proposalId: proposalIdOf(repair), reason: data.reason } },
  ]
}

/** The approval's time ran out: `ApprovalExpired` once; before its time, or for any other state, nothing. */
export function expireApproval({ data }: ExpireApproval, repair: Repair): RepairEvent[] {
  return repair.status === 'none' ? [] : lapse(repair, data.now).expired
}

export function completeRepair({ data }: CompleteRepair, repair: Repair): RepairEvent[] {
  repairExists(repair, data.repairId)
  repairAlreadyCompleted(repair)
  const { expired, after } = lapse(repair, data.now)
  proposalAwaitingAnswer(after)
  completeAfterStart(after, data.now)
  const { repairId, jobId, planningDate, startedAt } = after
  return [
    ...expired,
    { type: 'RepairCompleted', data: { repairId, jobId, planningDate, startedAt, completedAt: data.now } },
  ]
}

/**
 * An approval is pending until its `expiresAt`, and expired from then on, whether or not the tick has
 * recorded it yet: whoever comes first records `ApprovalExpired`.
 */
function lapse(repair: StartedRepair, now: string): { expired: RepairEvent[]; after: StartedRepair } {
  const proposal = repair.proposals.at(-1)
  if (proposal?.status !== 'awaiting-approval' || Date.parse(now) < Date.parse(proposal.expiresAt))
    return { expired: [], after: repair }
  const expired: RepairEvent = {
    type: 'ApprovalExpired',
    data: { repairId: repair.repairId, proposalId: proposal.proposalId },
  }
  return { expired: [expired], after: evolve(repair, expired) as StartedRepair }
}

const proposalIdOf = (repair: StartedRepair) => repair.proposals.at(-1)!.proposalId

/**
 * An approval or rejection that came too late decided `ApprovalExpired` alone: it is refused once that is
 * recorded.
 */
export const expiredInstead = (events: readonly { type: string }[]) =>
  events.length > 0 && events.every((event) => event.type === 'ApprovalExpired')

export function decide(command: RepairCommand, repair: Repair, policy: RepairPolicy): RepairEvent[] {
  const { type } = command
  switch (type) {
    case 'StartRepair':
      return startRepair(command, repair)
    case 'ProposeExtraWork':
      return proposeExtraWork(command, repair)
    case 'RecordPartsReserved':
      return recordPartsReserved(command, repair, policy)
    case 'RecordPartsUnavailable':
      return recordPartsUnavailable(command, repair)
    case 'ApproveRepair':
      return approveRepair(command, repair)
    case 'RejectRepair':
      return rejectRepair(command, repair)
    case 'ExpireApproval':
      return expireApproval(command, repair)
    case 'CompleteRepair':
      return completeRepair(command, repair)
    default: {
      const _exhaustive: never = type
      throw new Error(`Unknown command ${_exhaustive}`)
    }
  }
}
