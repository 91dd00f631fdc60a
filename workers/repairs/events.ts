import type * as v from 'valibot'
import type {
  ApprovalExpired,
  CustomerApprovalRequested,
  ExtraWorkProposed,
  PartsLine,
  PriceBreakdown,
  ProposalFailed,
  RepairApproved,
  RepairCompleted,
  RepairRejected,
  RepairStarted,
  Shortage,
} from '../../shared/contracts/index.ts'

/**
 * `RepairStarted` with the moment it happened: a stored event carries it as its envelope's `occurredAt`,
 * a decided one as the command's `now`, which is also the time its envelope is given. The repair keeps it
 * as `startedAt`, which its completion reports.
 */
export type RepairStartedAt = RepairStarted & { occurredAt: string }

export type RepairEvent =
  | RepairStartedAt
  | ExtraWorkProposed
  | CustomerApprovalRequested
  | ProposalFailed
  | RepairApproved
  | RepairRejected
  | ApprovalExpired
  | RepairCompleted

/** Where a repair stands; a list filters on it. */
export const repairStatuses = ['in-progress', 'awaiting-parts', 'awaiting-approval', 'completed'] as const
export type RepairStatus = (typeof repairStatuses)[number]

export type Price = v.InferOutput<typeof PriceBreakdown>

/** Extra work proposed on a repair, from the parts service's answer to the customer's. */
export type Proposal = {
  proposalId: string
  description: string
  labourHours: number
  parts: v.InferOutput<typeof PartsLine>[]
} & (
  | { status: 'awaiting-parts' }
  | { status: 'awaiting-approval'; price: Price; expiresAt: string }
  | { status: 'approved' | 'expired'; price: Price; expiresAt: string }
  | { status: 'rejected'; price: Price; expiresAt: string; reason: string }
  | { status: 'failed'; shortages: v.InferOutput<typeof Shortage>[] }
)

type Started = RepairStarted['data'] & { startedAt: string; proposals: Proposal[] }

/** A repair of one planned job. Plain data, so it can be snapshotted as JSON. */
export type Repair =
  | { status: 'none' }
  | (Started & { status: Exclude<RepairStatus, 'completed'> })
  | (Started & { status: 'completed'; completedAt: string })

export type StartedRepair = Exclude<Repair, { status: 'none' }>

export const initialState = (): Repair => ({ status: 'none' })

/** The repair a command just started or changed: after any event of its, it exists. */
export function started(repair: Repair): StartedRepair {
  if (repair.status === 'none') throw new Error('A repair that was never started has no events')
  return repair
}

/** The proposal made last, which is the one awaiting an answer, if any is. */
export const currentProposal = (repair: Repair): Proposal | undefined =>
  repair.status === 'none' ? undefined : repair.proposals.at(-1)

/** The repair with its current proposal answered by `answer`, and its status after that. */
function answered(repair: Repair, answer: (proposal: Proposal) => Proposal): Repair {
  if (repair.status === 'none' || repair.status === 'completed' || repair.proposals.length === 0)
    return repair
  const proposal = answer(repair.proposals.at(-1)!)
  const status = proposal.status === 'awaiting-approval' ? 'awaiting-approval' : 'in-progress'
  return { ...repair, status, proposals: [...repair.proposals.slice(0, -1), proposal] }
}

/** The customer's answer (or its absence) to a proposal awaiting approval; any other stays as it is. */
const settled =
  (answer: { status: 'approved' | 'expired' } | { status: 'rejected'; reason: string }) =>
  (proposal: Proposal): Proposal =>
    proposal.status === 'awaiting-approval' ? { ...proposal, ...answer } : proposal

export function evolve(repair: Repair, event: RepairEvent): Repair {
  switch (event.type) {
    case 'RepairStarted':
      return { ...event.data, status: 'in-progress', startedAt: event.occurredAt, proposals: [] }
    case 'ExtraWorkProposed': {
      if (repair.status === 'none' || repair.status === 'completed') return repair
      const { proposalId, description, labourHours, parts } = event.data
      const proposal: Proposal = { proposalId, description, labourHours, parts, status: 'awaiting-parts' }
      return { ...repair, status: 'awaiting-parts', proposals: [...repair.proposals, proposal] }
    }
    case 'CustomerApprovalRequested': {
      const { price, expiresAt } = event.data
      return answered(repair, (p) =>
        p.status === 'awaiting-parts' ? { ...p, status: 'awaiting-approval', price, expiresAt } : p,
      )
    }
    case 'ProposalFailed':
      return answered(repair, (p) =>
        p.status === 'awaiting-parts' ? { ...p, status: 'failed', shortages: event.data.shortages } : p,
      )
    case 'RepairApproved':
      return answered(repair, settled({ status: 'approved' }))
    case 'RepairRejected':
      return answered(repair, settled({ status: 'rejected', reason: event.data.reason }))
    case 'ApprovalExpired':
      return answered(repair, settled({ status: 'expired' }))
    case 'RepairCompleted':
      if (repair.status === 'none') return repair
      return { ...repair, status: 'completed', completedAt: event.data.completedAt }
  }
}

export const repairAggregate = { initialState, evolve }
