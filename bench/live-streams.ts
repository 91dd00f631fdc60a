import { Agent, request } from 'node:http'
import { sampleCustomer } from '../shared/host/node/test-host.ts'
import { jobPlans, seedWorkshop } from './commands.ts'
import { percentile } from './effect-latency.ts'
import { httpClient } from './http-client.ts'
import { startFlags, withServer, type BenchRun } from './node-host.ts'
import { signIn, type Target } from './sign-in.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** `task(0)` … `task(count - 1)`, at most `concurrency` of them at a time. */
async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0
  const worker = async () => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
}

/** A keep-alive client like `httpClient`, resolving with the status and the body read as JSON. */
function jsonClient({ url, headers: common = {} }: Target) {
  const agent = new Agent({ keepAlive: true })
  const { hostname, port } = new URL(url)
  return <T>(method: string, path: string, body?: unknown) =>
    new Promise<{ status: number; body: T }>((resolve, reject) => {
      const headers = body === undefined ? common : { ...common, 'content-type': 'application/json' }
      const req = request({ agent, hostname, port, method, path, headers }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('error', reject)
        res.on('end', () => resolve({ status: res.statusCode!, body: (text ? JSON.parse(text) : null) as T }))
      })
      req.on('error', reject)
      req.end(body === undefined ? undefined : JSON.stringify(body))
    })
}

/** An event of a live stream as it arrived: its fields and the time its first byte was read. */
interface Arrival {
  id: string
  event: string
  data: string
  at: number
  /** The same moment by the system's clock, to compare with the times the host writes. */
  wallAt: number
}

/**
 * One live stream (`GET /api/notifications/stream`) with `token`, over a plain socket of `agent`: the
 * fields of each event parsed from the text as it comes, far less work per stream than an EventSource.
 * `opened` settles with the first bytes (the stream's `retry:`); `onEvent` is called for every event
 * with data, stamped with the time its chunk was read.
 */
function openStream(agent: Agent, url: string, token: string, onEvent: (event: Arrival) => void) {
  const { hostname, port } = new URL(url)
  let closed = false
  let req: ReturnType<typeof request>
  const opened = new Promise<void>((resolve, reject) => {
    req = request(
      {
        agent,
        hostname,
        port,
        path: '/api/notifications/stream',
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume()
          return reject(new Error(`the stream answered ${res.statusCode}`))
        }
        let buffer = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          const at = performance.now()
          const wallAt = Date.now()
          buffer += chunk
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const event: Arrival = { id: '', event: 'message', data: '', at, wallAt }
            for (const line of block.split('\n')) {
              const colon = line.indexOf(':')
              if (colon === 0) continue // a comment: the heartbeat
              const field = colon < 0 ? line : line.slice(0, colon)
              const value = colon < 0 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1))
              if (field === 'retry') resolve()
              else if (field === 'id') event.id = value
              else if (field === 'event') event.event = value
              else if (field === 'data') event.data = event.data ? `${event.data}\n${value}` : value
            }
            if (event.data) onEvent(event)
          }
        })
        res.on('error', (error) => closed || reject(error))
        res.on('close', () => closed || reject(new Error('the stream ended')))
      },
    )
    req.on('error', (error) => closed || reject(error))
    req.end()
  })
  return {
    opened,
    close() {
      closed = true
      req.destroy()
    },
  }
}

/** Jobs planned for the customers of some open streams, and their notifications' way to them. */
export interface Deliveries {
  /** The streams open, each a customer the jobs were planned for. */
  streams: number
  /** The jobs planned, one notification each. */
  events: number
  p50: number
  p99: number
  /**
   * The figure's two parts, by the system's clock (whole milliseconds): 201 → the notifications group
   * handling the event (the notification's `sentAt`), and from there → the event read off the stream.
   */
  consumer: { p50: number; p99: number }
  stream: { p50: number; p99: number }
  /** Notifications that never reached their recipient's stream within 10 s of the last 201. */
  missed: number
  /** Notifications that reached a stream not their recipient's, or arrived twice. */
  wrong: number
  failed: number
  firstFailure?: string
  /** This process's CPU meanwhile, in % of one core: whether the client kept up. */
  clientCpuPercent: number
}

export interface LiveFigures {
  streams: number
  perSecond: number
  /** With every stream open, and with only `BASELINE_STREAMS` of them. */
  all: Deliveries
  few: Deliveries
  /** The host's VmRSS with no stream open, once they all are, and after the events. */
  rssBefore: number
  rssOpen: number
  rssAfter: number
  /** The host's CPU over 2 idle seconds with every stream open, in % of one core. */
  idleCpuPercent: number
  openMs: number
}

/** The streams left open for the baseline. */
export const BASELINE_STREAMS = 10

/**
 * Requirement 9 on the Node host (`npm start`'s flags, FULL sync): `streams` customers, each with a
 * token from a customer link and one live notification stream open, the host's resident set before
 * and after they open; then a job planned for a random one of them `perSecond` times a second for the
 * run's seconds, and for each the time from the planning's 201 (committed) until its 'appointment-confirmed'
 * notification arrives on that customer's stream: the workshop's outbox relay and Redis stream, the
 * notifications group applying MaintenanceJobPlanned and committing, the stream woken, reading and
 * writing the event, and this process reading it. Then the same again with all but `BASELINE_STREAMS`
 * streams closed: what the open streams themselves cost the delivery.
 */
export function liveStreamLatency(run: BenchRun, streams = 1000, perSecond = 50): Promise<LiveFigures> {
  const host = {
    name: 'host-live',
    script: 'shared/host/node/main.ts',
    env: { LOG_LEVEL: 'warn' },
    nodeFlags: startFlags(),
  }
  return withServer(run, host, async (server) => {
    const mechanic = await signIn(server.url)
    await seedWorkshop(mechanic)
    const send = httpClient(mechanic)
    const ask = jsonClient(mechanic)
    const customerIds = Array.from({ length: streams }, (_, i) => `live-${i}`)

    // The customers, known to the workshop (jobs are planned for them) before anything is timed.
    await inParallel(streams, 20, async (i) => {
      const status = await send('POST', '/api/customers', JSON.stringify(sampleCustomer(customerIds[i]!)))
      if (status !== 201) throw new Error(`registering ${customerIds[i]} answered ${status}`)
    })
    await inParallel(streams, 20, async (i) => {
      while ((await send('GET', `/api/workshop/refdata/customers/${customerIds[i]}`)) !== 200) await sleep(20)
    })
    const tokens: string[] = []
    await inParallel(streams, 20, async (i) => {
      const link = await ask<{ token: string }>('POST', '/api/auth/customer-link', {
        customerId: customerIds[i],
      })
      if (link.status !== 201) throw new Error(`a link for ${customerIds[i]} answered ${link.status}`)
      tokens[i] = link.body.token
    })

    // What each stream received: the notification's job, recipient and arrival.
    const arrivals = new Map<
      string,
      { stream: number; recipient: string; at: number; wallAt: number; sentAt: number }[]
    >()
    let unexpected = 0
    await sleep(1000)
    const rssBefore = await server.rss()
    const agent = new Agent({ keepAlive: false, maxSockets: streams + 10 })
    const opening = performance.now()
    const clients: ReturnType<typeof openStream>[] = []
    // Jobs planned at a steady rate for the run's seconds, each for a customer of `open` drawn at random,
    // and the time from each 201 to its notification's arrival on that customer's stream.
    const plan = jobPlans()
    let jobs = 0
    const deliveries = async (open: number[]): Promise<Deliveries> => {
      // Connections of its own: the host closes those left idle since the last phase, and one closed
      // just as a request goes out fails it.
      const send = httpClient(mechanic)
      const total = perSecond * run.seconds
      const planned: { jobId: string; stream: number; acknowledged: number; wallAcknowledged: number }[] = []
      const failures: string[] = []
      const unexpectedBefore = unexpected
      const clientCpu = process.cpuUsage()
      const started = performance.now()
      const pending: Promise<void>[] = []
      for (let n = 0; n < total; n++) {
        const wait = started + (n * 1000) / perSecond - performance.now()
        if (wait > 0) await sleep(wait)
        const stream = open[Math.floor(Math.random() * open.length)]!
        const jobId = `live-job-${jobs++}`
        const { path, body } = plan()
        const job = { ...JSON.parse(body!), jobId, customerId: customerIds[stream] }
        pending.push(
          send('POST', path, JSON.stringify(job)).then(
            (status) => {
              if (status !== 201) throw new Error(`planning ${jobId} answered ${status}`)
              planned.push({ jobId, stream, acknowledged: performance.now(), wallAcknowledged: Date.now() })
            },
            (error: Error) => void failures.push(error.message),
          ),
        )
      }
      await Promise.all(pending)
      const lastAnswer = performance.now()
      const delivered = () => planned.filter(({ jobId }) => arrivals.has(jobId)).length
      while (delivered() < planned.length && performance.now() - lastAnswer < 10_000) await sleep(20)
      const { user, system } = process.cpuUsage(clientCpu)

      const latencies: number[] = []
      const toConsumer: number[] = []
      const toClient: number[] = []
      let wrong = unexpected - unexpectedBefore
      for (const { jobId, stream, acknowledged, wallAcknowledged } of planned) {
        const seen = arrivals.get(jobId) ?? []
        const right = seen.filter(
          (a) => a.stream === stream && a.recipient === `customer:${customerIds[stream]}`,
        )
        wrong += seen.length - Math.min(right.length, 1)
        if (right.length === 0) continue
        const { at, wallAt, sentAt } = right[0]!
        // A notification read before its 201 was (both on their way at once) took no time after it.
        latencies.push(Math.max(0, at - acknowledged))
        toConsumer.push(sentAt - wallAcknowledged)
        toClient.push(wallAt - sentAt)
      }
      const spread = (ms: number[]) => {
        const sorted = ms.sort((a, b) => a - b)
        return sorted.length > 0
          ? { p50: percentile(sorted, 50), p99: percentile(sorted, 99) }
          : { p50: NaN, p99: NaN }
      }
      return {
        streams: open.length,
        events: total,
        ...spread(latencies),
        consumer: spread(toConsumer),
        stream: spread(toClient),
        missed: planned.length - latencies.length,
        wrong,
        failed: failures.length,
        firstFailure: failures[0],
        clientCpuPercent: (user + system) / 10 / (performance.now() - started),
      }
    }

    try {
      await inParallel(streams, 100, async (i) => {
        clients[i] = openStream(agent, server.url, tokens[i]!, (event) => {
          if (event.event !== 'notification') return void unexpected++
          const data = JSON.parse(event.data) as {
            recipient: string
            sentAt: string
            details: { jobId?: string }
          }
          const jobId = data.details.jobId ?? ''
          const seen = arrivals.get(jobId) ?? []
          const { at, wallAt } = event
          seen.push({ stream: i, recipient: data.recipient, at, wallAt, sentAt: Date.parse(data.sentAt) })
          arrivals.set(jobId, seen)
        })
        await clients[i]!.opened
      })
      const openMs = performance.now() - opening
      await sleep(1000)
      const rssOpen = await server.rss()
      const cpuBefore = await server.cpuMs()
      await sleep(2000)
      const idleCpuPercent = ((await server.cpuMs()) - cpuBefore) / 20

      const all = await deliveries([...customerIds.keys()])
      const rssAfter = await server.rss()
      // The baseline: the same, with all but a few of the streams closed.
      for (const client of clients.slice(BASELINE_STREAMS)) client.close()
      await sleep(1000)
      const few = await deliveries([...customerIds.keys()].slice(0, BASELINE_STREAMS))
      return { streams, perSecond, all, few, rssBefore, rssOpen, rssAfter, idleCpuPercent, openMs }
    } finally {
      for (const client of clients) client?.close()
      agent.destroy()
    }
  })
}
