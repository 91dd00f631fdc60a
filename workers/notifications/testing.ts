import { EventSource } from 'eventsource'
import { vi } from 'vitest'
import type {
  CustomerRegistered,
  MaintenanceJobPlanned,
  SupportMessageWritten,
} from '../../shared/contracts/index.ts'
import type { HostConfig } from '../../shared/host/config.ts'
import type { StartOptions } from '../../shared/host/node/services.ts'
import { sampleCustomer, startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { repairsStream, workshopStream, type RepairsEvent } from '../../shared/testing/events.ts'
import { streamProducer } from '../../shared/testing/stream-producer.ts'
import { NOTIFICATIONS_GROUP } from './consumer.ts'

export * from '../../shared/testing/events.ts'

// What the notifications tests share: the events it reads, published as their services' relays would
// (see `streamProducer`), and a real EventSource client of the live stream.

export const registered = (customerId: string): CustomerRegistered => ({
  type: 'CustomerRegistered',
  data: sampleCustomer(customerId),
})
export const supportMessage = (
  customerId: string,
  repairId: string,
  text: string,
): SupportMessageWritten => ({
  type: 'SupportMessageWritten',
  data: { messageId: `message-${repairId}-${text.length}`, repairId, customerId, text },
})

/** The streams notifications reads, each written by a real outbox and relay; `close()` ends them all. */
export async function producers(host: TestHost) {
  const common = { streamPrefix: host.config.streamPrefix, redisUrl: host.config.redisUrl }
  const [customers, workshop, repairs, support] = await Promise.all([
    streamProducer<CustomerRegistered>({
      ...common,
      service: 'customers',
      streamOf: (e) => e.data.customerId,
      actor: 'staff:manager@pitstop.local',
    }),
    streamProducer<MaintenanceJobPlanned>({ ...common, ...workshopStream }),
    // The repair's start names who started it: the mechanic its answers go to.
    streamProducer<RepairsEvent>({ ...common, ...repairsStream }),
    streamProducer<SupportMessageWritten>({
      ...common,
      service: 'support',
      streamOf: (e) => e.data.repairId,
      actor: 'staff:support@pitstop.local',
    }),
  ])
  return {
    customers,
    workshop,
    repairs,
    support,
    close: () => Promise.all([customers, workshop, repairs, support].map((p) => p.close())),
  }
}

export type Producers = Awaited<ReturnType<typeof producers>>

/**
 * A host running notifications (with `config` and `options` when given), fed by `producers`:
 * `consumed(...streams)` waits until the notifications group has applied what those streams carry;
 * `cleanup()` ends the producers and the host.
 *
 * @example
 * const host = await startNotificationsHost()
 * await host.streams.repairs.publish(repairStarted('ann', 'repair-1'))
 * await host.consumed('repairs')
 */
export async function startNotificationsHost(config: Partial<HostConfig> = {}, options: StartOptions = {}) {
  const host = await startTestHost({ services: ['notifications'], ...config }, options)
  let streams: Producers
  try {
    streams = await producers(host)
  } catch (error) {
    await host.cleanup()
    throw error
  }
  return {
    ...host,
    streams,
    consumed: (...names: (keyof Omit<Producers, 'close'>)[]) =>
      Promise.all(
        names.map((name) => streams[name].consumedBy(host.db('notifications'), NOTIFICATIONS_GROUP)),
      ),
    async cleanup() {
      await streams.close()
      await host.cleanup()
    },
  }
}
export type NotificationsHost = Awaited<ReturnType<typeof startNotificationsHost>>

export interface Received {
  id: string
  data: Record<string, unknown> & { kind: string; recipient: string; sequence: number }
}

/**
 * A browser's `EventSource` on the live stream, signed in with `token`; it reconnects by itself, sending
 * `Last-Event-ID`. `received` holds what arrived, in order.
 */
export function openStream(url: string, token: string, query = '') {
  const received: Received[] = []
  const source = new EventSource(`${url}/api/notifications/stream${query}`, {
    fetch: (input, init) =>
      fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${token}` } }),
  })
  source.addEventListener('notification', (event) =>
    received.push({ id: event.lastEventId, data: JSON.parse(event.data) as Received['data'] }),
  )
  const opened = new Promise<void>((resolve, reject) => {
    source.onopen = () => resolve()
    source.onerror = (error) => {
      if (source.readyState === EventSource.CLOSED) reject(new Error(`the stream closed: ${error.message}`))
    }
  })
  return {
    source,
    received,
    opened,
    /** Waits until `count` notifications have arrived. */
    until: (count: number, timeout = 10_000) =>
      vi.waitFor(
        () => {
          if (received.length < count) throw new Error(`${received.length} of ${count} notifications arrived`)
        },
        { timeout, interval: 10 },
      ),
    /** Waits until a notification `matches` arrived, and gives it. */
    arrival: (matches: (event: Received) => boolean, timeout = 10_000) =>
      vi.waitFor(
        () => {
          const found = received.find(matches)
          if (!found) throw new Error(`none of the ${received.length} notifications arrived matches`)
          return found
        },
        { timeout, interval: 10 },
      ),
    close: () => source.close(),
  }
}
