import { NotFound, ruleBook } from '../../shared/errors.ts'
import type { Repair, StartedRepair } from './events.ts'

/**
 * Every rule the repairs service refuses a command by, with its status. The id is the problem `type`
 * (`urn:pitstop:rule:<id>`); each check is named after the id it throws.
 */
export const refuse = ruleBook({
  'unknown-job': 422,
  'job-not-finished': 409,
  'one-repair-per-job': 409,
  'repair-id-unique': 409,
  'proposal-id-unique': 409,
  'one-proposal-at-a-time': 409,
  'repair-already-completed': 409,
  'approval-not-pending': 409,
  'proposal-not-current': 409,
  'approval-expired': 409,
  'proposal-awaiting-answer': 409,
  'complete-after-start': 409,
})

/** A job as the repairs service knows it from the workshop's stream: planned, or finished already. */
export type KnownJob =
  | { jobId: string; finished: false; planningDate: string; customerId: string; licenseNumber: string }
  | { jobId: string; finished: true }
type PlannedJob = Extract<KnownJob, { finished: false }>

export function repairIdUnique(repair: Repair, repairId: string): void {
  if (repair.status !== 'none') throw refuse('repair-id-unique', `Repair ${repairId} already exists`)
}

export function unknownJob(job: KnownJob | undefined, jobId: string): asserts job is KnownJob {
  if (!job) throw refuse('unknown-job', `Job ${jobId} is not known to the repairs service (yet)`)
}

export function jobNotFinished(job: KnownJob): asserts job is PlannedJob {
  if (job.finished) throw refuse('job-not-finished', `Job ${job.jobId} is finished; it takes no repair`)
}

export function repairExists(repair: Repair, repairId: string): asserts repair is StartedRepair {
  if (repair.status === 'none') throw new NotFound(`No repair ${repairId}`)
}

export function repairAlreadyCompleted(repair: StartedRepair): void {
  if (repair.status === 'completed')
    throw refuse('repair-already-completed', `Repair ${repair.repairId} is completed`)
}

export function oneProposalAtATime(repair: StartedRepair): void {
  if (repair.status === 'awaiting-parts' || repair.status === 'awaiting-approval')
    throw refuse(
      'one-proposal-at-a-time',
      `Repair ${repair.repairId} has a proposal awaiting ${repair.status === 'awaiting-parts' ? 'the parts' : "the customer's answer"}`,
    )
}

/** Only a proposal awaiting the customer's answer is approved or rejected; one that ran out of time says so. */
export function approvalNotPending(repair: StartedRepair): void {
  if (repair.status === 'awaiting-approval') return
  if (repair.proposals.at(-1)?.status === 'expired')
    throw refuse('approval-expired', `The approval of repair ${repair.repairId} has expired`)
  throw refuse('approval-not-pending', `Repair ${repair.repairId} awaits no approval`)
}

/** The customer answers the proposal they were shown: not an earlier one, nor one made since. */
export function proposalNotCurrent(repair: StartedRepair, proposalId: string): void {
  const current = repair.proposals.at(-1)?.proposalId
  if (current !== proposalId)
    throw refuse(
      'proposal-not-current',
      `Proposal ${proposalId} is not the one of repair ${repair.repairId} awaiting an answer (${current})`,
    )
}

export function proposalAwaitingAnswer(repair: StartedRepair): void {
  if (repair.status === 'awaiting-parts' || repair.status === 'awaiting-approval')
    throw refuse(
      'proposal-awaiting-answer',
      `Repair ${repair.repairId} has a proposal awaiting an answer; it is completed once that has come`,
    )
}

/** The workshop finishes the job from the start to the completion: the completion must come later. */
export function completeAfterStart(repair: StartedRepair, now: string): void {
  if (!(Date.parse(now) > Date.parse(repair.startedAt)))
    throw refuse(
      'complete-after-start',
      `Repair ${repair.repairId} started at ${repair.startedAt}; it is completed after that, not at ${now}`,
    )
}
