import { and, asc, eq, gt, max, sql } from 'drizzle-orm'
import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import * as v from 'valibot'
import { InvalidInput, TooManyRequests } from '../../shared/errors.ts'
import type { AppEnv } from '../../shared/http/app-env.ts'
import type { Logger } from '../../shared/logger.ts'
import { validate } from '../../shared/http/validate.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import type { LiveRecipients, Wake } from './live.ts'
import { notifications } from './schema.ts'
import { notificationView } from './views.ts'

/** The `id` of an event of the stream: a notification's `sequence`. */
const LastEventId = v.pipe(
  v.string(),
  v.regex(/^\d{1,15}$/, 'must be the id of an event of this stream (a notification’s sequence)'),
  v.transform(Number),
)
const StreamQuery = v.object({ lastEventId: v.optional(LastEventId) })

export interface LiveOptions {
  /** How often a stream looks for notifications committed by other processes. */
  pollMs: number
  /** How long a stream may stay silent before it sends a comment, so proxies keep it open. */
  heartbeatMs: number
}

/** Notifications read at once at most; a stream far behind catches up in turns of this many. */
const PAGE = 100

/**
 * Streams one recipient may hold open in one process: enough for every tab and device they use, and a
 * bound on what one token (a customer's link travels by e-mail) can take of the host.
 */
export const MAX_STREAMS_PER_RECIPIENT = 10

/**
 * Finds the notifications other processes (another host on the same database) committed for the
 * streams open here, and wakes their recipients: one query every `pollMs` for the whole process, rather
 * than each open stream reading its own page (a thousand streams, a thousand queries a second). It runs
 * while a stream is open. Sequences become visible in order (one writer at a time), so a look misses
 * nothing committed after the one before; and a stream reads first only after the look's first bearing,
 * so nothing falls in between.
 */
function foreignCommits(db: ServiceDeps['db'], live: LiveRecipients, pollMs: number, logger: Logger) {
  const newest = db
    .select({ sequence: max(notifications.sequence) })
    .from(notifications)
    .prepare()
  const since = db
    .select({ recipient: notifications.recipient, sequence: max(notifications.sequence) })
    .from(notifications)
    .where(gt(notifications.sequence, sql.placeholder('sequence')))
    .groupBy(notifications.recipient)
    .prepare()
  let open = 0
  let timer: ReturnType<typeof setInterval> | undefined
  // Each run of looks has its own bearing, so a look of a run that ended changes nothing.
  let run: { seen: Promise<number>; looking: boolean } | undefined

  async function look(current: NonNullable<typeof run>) {
    if (current.looking) return
    current.looking = true
    try {
      const rows = await since.all({ sequence: await current.seen })
      if (rows.length === 0) return
      current.seen = Promise.resolve(Math.max(...rows.map((row) => row.sequence ?? 0)))
      live.wake(rows.map((row) => row.recipient))
    } catch (error) {
      logger.error({ err: error }, 'looking for notifications committed elsewhere failed; trying again')
    } finally {
      current.looking = false
    }
  }

  return {
    /** A stream opens: resolves once it may read, after the run's first bearing. */
    opened(): Promise<unknown> {
      if (open++ === 0) {
        const current = {
          seen: newest.all().then(
            ([row]) => row?.sequence ?? 0,
            (error: unknown) => {
              // From the first, then: every stream reads once more, and none misses anything.
              logger.error({ err: error }, 'reading the newest notification failed; looking from the first')
              return 0
            },
          ),
          looking: false,
        }
        run = current
        timer = setInterval(() => void look(current), pollMs)
      }
      return run!.seen
    },
    /** A stream closes; the last one stops the looking. */
    closed() {
      if (--open > 0) return
      clearInterval(timer)
      run = undefined
    },
  }
}

/** The streams open in this process, per recipient; one too many is refused with 429. */
function openStreams() {
  const open = new Map<string, number>()
  return {
    open(recipient: string) {
      const count = open.get(recipient) ?? 0
      if (count >= MAX_STREAMS_PER_RECIPIENT)
        throw new TooManyRequests(
          `At most ${MAX_STREAMS_PER_RECIPIENT} notification streams may be open at once; close one first`,
          5,
        )
      open.set(recipient, count + 1)
    },
    closed(recipient: string) {
      const count = (open.get(recipient) ?? 1) - 1
      if (count === 0) open.delete(recipient)
      else open.set(recipient, count)
    },
  }
}

/**
 * `GET /api/notifications/stream`: the signed-in recipient's notifications as Server-Sent Events, each
 * with its `sequence` as id. A stream resumed with `Last-Event-ID` (or `?lastEventId=`, for a first
 * connection that already listed up to there) sends everything after it, so nothing is missed across
 * a reconnect; a new one sends the recipient's notifications from the first. It is woken at once by a
 * commit of this process's consumer and looks again every `pollMs` for commits made elsewhere. It ends
 * when the session it was opened with does (signed out, its links ended, expired), and a recipient may
 * hold `MAX_STREAMS_PER_RECIPIENT` open at once.
 */
export function liveRoutes(
  { db, tokens, logger, longLived }: Pick<ServiceDeps, 'db' | 'tokens' | 'logger' | 'longLived'>,
  live: LiveRecipients,
  { pollMs, heartbeatMs }: LiveOptions,
) {
  const streams = openStreams()
  // In a long-running process one look a poll finds for every stream what other processes committed;
  // on workerd each stream looks for itself (see `ServiceDeps.longLived`).
  const elsewhere = longLived ? foreignCommits(db, live, pollMs, logger) : undefined
  // Prepared once: every open stream runs it at each wake and poll, and building the query anew each
  // time cost more than running it.
  const page = db
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.recipient, sql.placeholder('recipient')),
        gt(notifications.sequence, sql.placeholder('sequence')),
      ),
    )
    .orderBy(asc(notifications.sequence))
    .limit(PAGE)
    .prepare()
  const after = (recipient: string, sequence: number) => page.all({ recipient, sequence })
  return new Hono<AppEnv>().get('/api/notifications/stream', validate('query', StreamQuery), async (c) => {
    const header = c.req.header('last-event-id')
    const resumed = header === undefined ? undefined : v.safeParse(LastEventId, header)
    if (resumed && !resumed.success)
      throw new InvalidInput([{ field: 'Last-Event-ID', message: resumed.issues[0].message }])
    const recipient = c.get('actor')
    const principal = c.get('principal')!
    streams.open(recipient)
    let sequence = resumed?.output ?? c.req.valid('query').lastEventId ?? 0
    const logger = c.get('logger')

    return streamSSE(
      c,
      async (stream) => {
        let wake: Wake | undefined
        stream.onAbort(() => wake?.cancel())
        try {
          await elsewhere?.opened()
          // Tells the browser how soon to reconnect, and gets the headers through at once.
          await stream.write(`retry: ${pollMs}\n\n`)
          let silentSince = performance.now()
          let woken = true
          // Ends with the session: a browser reconnecting is then refused, and signs in again.
          while (!stream.aborted && !stream.closed && (await tokens.holds(principal))) {
            // Asked for before reading: a commit between the read and the wait still wakes this stream.
            wake = live.next(recipient, pollMs)
            // With a look of the process, a stream not woken has nothing new: it reads for its heartbeat.
            const reads = woken || !elsewhere || performance.now() - silentSince >= heartbeatMs
            const rows = reads ? await after(recipient, sequence) : []
            for (const row of rows) {
              await stream.writeSSE({
                id: String(row.sequence),
                event: 'notification',
                data: JSON.stringify(notificationView(row)),
              })
              sequence = row.sequence
            }
            if (rows.length > 0) {
              wake.cancel()
              silentSince = performance.now()
              continue
            }
            if (performance.now() - silentSince >= heartbeatMs) {
              await stream.write(': still here\n\n')
              silentSince = performance.now()
            }
            woken = await wake.woken
          }
        } finally {
          streams.closed(recipient)
          elsewhere?.closed()
        }
      },
      async (error) => {
        logger.error({ err: error, recipient }, 'a live notification stream failed; the client reconnects')
      },
    )
  })
}
