import type { AnyEvent, Envelope } from '../../shared/contracts/index.ts'
import type { Outcome } from './figures.ts'

/** What one event says about an approval or a job; what it does not say, it leaves as it is. */
export type Fact =
  | { kind: 'approval-requested'; proposalId: string; repairId: string; at: string }
  | { kind: 'approval-decided'; proposalId: string; repairId: string; outcome: Outcome; at: string }
  | { kind: 'approval-read'; proposalId: string; repairId: string | null; at: string }
  | { kind: 'job-planned'; jobId: string; day: string; start: string; end: string }
  | { kind: 'job-finished'; jobId: string; day: string; start: string; end: string }

const outcomes = {
  RepairApproved: 'approved',
  RepairRejected: 'rejected',
  ApprovalExpired: 'expired',
} as const

/**
 * The fact an event brings, if any. Times of the approval are when its events happened (their
 * `occurredAt`); a job's times are the slots its events name.
 */
export function factOf(envelope: Envelope): Fact | undefined {
  const event = envelope as AnyEvent
  const at = envelope.occurredAt
  switch (event.type) {
    case 'CustomerApprovalRequested':
      return {
        kind: 'approval-requested',
        proposalId: event.data.proposalId,
        repairId: event.data.repairId,
        at,
      }
    case 'RepairApproved':
    case 'RepairRejected':
    case 'ApprovalExpired':
      return {
        kind: 'approval-decided',
        proposalId: event.data.proposalId,
        repairId: event.data.repairId,
        outcome: outcomes[event.type],
        at,
      }
    case 'NotificationRead': {
      // Only the notification asking for the approval: reading the mechanic's notice of the answer is
      // no reaction of the customer's.
      const { kind, proposalId, repairId } = event.data
      return kind === 'approval-requested' && proposalId !== null
        ? { kind: 'approval-read', proposalId, repairId, at }
        : undefined
    }
    case 'MaintenanceJobPlanned':
    case 'MaintenanceJobFinished': {
      const { jobId, planningId, startTime, endTime } = event.data
      const kind = event.type === 'MaintenanceJobPlanned' ? 'job-planned' : 'job-finished'
      return { kind, jobId, day: planningId, start: startTime, end: endTime }
    }
    default:
      return undefined
  }
}
