import { priceView, type Envelope } from '../../shared/contracts/index.ts'
import type { Price, Proposal, StartedRepair } from './events.ts'

const proposalView = (proposal: Proposal) =>
  'price' in proposal ? { ...proposal, price: priceView(proposal.price) } : proposal

/** A repair as the API answers with it. */
export const repairView = (repair: StartedRepair) => ({
  ...repair,
  proposals: repair.proposals.map(proposalView),
})

/**
 * One event of a repair's timeline: what happened, when, who did it, with money shown as amounts. A
 * customer sees who at the garage acted as `staff`, not their address.
 */
export function timelineEntry({ type, occurredAt, actor, data }: Envelope, forCustomer = false) {
  const shown =
    type === 'CustomerApprovalRequested'
      ? { ...(data as object), price: priceView((data as { price: Price }).price) }
      : data
  return { type, occurredAt, actor: forCustomer && actor.startsWith('staff:') ? 'staff' : actor, data: shown }
}
