import { newUuidV7, systemClock } from '../shared/clock.ts'
import type { Envelope } from '../shared/contracts/envelope.ts'
import { toEnvelopes } from '../shared/envelope.ts'
import type { Outbox } from '../shared/outbox/outbox.ts'
import { sampleCustomer } from '../shared/host/node/test-host.ts'

const metadata = { correlationId: 'bench', causationId: 'bench', actor: 'bench' }

/**
 * Commits `events` CustomerRegistered events (customers `<prefix>-0`, `-1`…) to a customers outbox,
 * `perCommit` to a transaction, without customer rows: the events are what the benchmark follows.
 */
export async function commitRegistrations(outbox: Outbox, prefix: string, events: number, perCommit: number) {
  for (let i = 0; i < events; i += perCommit) {
    const envelopes: Envelope[] = Array.from({ length: Math.min(perCommit, events - i) }, (_, j) =>
      sampleCustomer(`${prefix}-${i + j}`),
    ).flatMap((data) =>
      toEnvelopes([{ type: 'CustomerRegistered', data }], {
        stream: data.customerId,
        after: 0,
        metadata,
        clock: systemClock,
        newId: newUuidV7,
      }),
    )
    await outbox.commit([], envelopes)
  }
}
