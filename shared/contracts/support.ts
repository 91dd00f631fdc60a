import * as v from 'valibot'
import { eventContract, type DomainEvent } from './envelope.ts'
import { RepairId } from './repairs.ts'
import { Identifier, multilineText } from './text.ts'

export const MessageId = Identifier

/** Body of `POST /api/support/conversations/{repairId}/messages`: what support writes to the customer. */
export const WriteMessageBody = v.object({
  text: v.pipe(multilineText(2000), v.nonEmpty('must not be empty')),
})

/** Support wrote to the customer of a repair; the notifications service delivers it to them. */
export const SupportMessageWritten = eventContract(
  'SupportMessageWritten',
  1,
  v.object({
    messageId: MessageId,
    repairId: RepairId,
    customerId: Identifier,
    text: v.string(),
  }),
)
export type SupportMessageWritten = DomainEvent<typeof SupportMessageWritten>
