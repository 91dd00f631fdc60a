import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { constants, tmpdir } from 'node:os'
import { join } from 'node:path'
import { deleteKeys } from '../shared/testing/redis.ts'
import type { LoadResult } from './load.ts'
import { liveStreamLatency, type Deliveries } from './live-streams.ts'
import { createMeasures } from './measures.ts'
import type { BenchRun } from './node-host.ts'
import { devServerCpuPerCommit } from './libsql-dev-server.ts'
import { outboxToReadModel } from './pipeline.ts'
import { recoveryAfterFlush } from './recovery.ts'
import { sagaLatency } from './saga.ts'
import { killServers } from './servers.ts'
import { fmt, megabytes, percent, perSecond, showLoad, summaryTable, times, type Row } from './report.ts'

// npm run bench: the figures the project is held to, each beside its baseline measured in the same run
// (absolute figures on a shared machine move by 2× between runs; ratios within one run move far less).
const sectionNames = ['raw', 'pipeline', 'node', 'durability', 'saga', 'live', 'edge', 'recovery'] as const
type Section = (typeof sectionNames)[number]
const usage = `usage: [BENCH_ONLY=<section>,…] [BENCH_SECONDS=10] npm run bench
sections, run in this order with the baselines each needs (default: all of them):
  raw         (d) raw libSQL commits (FULL, NORMAL) and raw Redis stream messages
  pipeline    (b) outbox → workshop read model
  node        (a), (c), (g): the Node host beside Hono's hello world and a naive dual-write app
  durability  (e) the host with FULL and with NORMAL sync
  saga        (h) proposal → customer approval requested (repairs → parts → repairs), beside one hop
  live        (9) commit → SSE delivery at 1,000 open notification streams, and the memory they take
  edge        the gateway under wrangler dev beside a hello-world worker
  recovery    (f) from a FLUSHALL of Redis to the next event applied`
const only = (process.env.BENCH_ONLY ?? '').split(',').flatMap((name) => name.trim() || [])
const unknown = only.filter((name) => !sectionNames.includes(name as Section))
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
if (process.argv.length > 2 || unknown.length > 0 || !(Number.isInteger(seconds) && seconds > 0)) {
  if (unknown.length > 0) console.error(`unknown section: ${unknown.join(', ')}`)
  console.error(usage)
  process.exit(2)
}
const selected = only.length > 0 ? sectionNames.filter((name) => only.includes(name)) : sectionNames

const run: BenchRun = {
  dir: await mkdtemp(join(tmpdir(), 'pitstop-bench-')),
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: `bench-${Date.now()}`,
  seconds,
}
const rows: Row[] = []
const measures = createMeasures(run)
const cleanUp = async () => {
  await rm(run.dir, { recursive: true, force: true })
  // Every stream key of the run: `<prefix>.raw`, `<prefix>-<server>.<stream>`.
  await deleteKeys(`${run.prefix}*`, run.redisUrl)
}
// Ctrl-C: the servers go first, so that none writes again, then the run's data and keys.
for (const name of ['SIGINT', 'SIGTERM'] as const)
  process.on(name, () => {
    killServers()
    void cleanUp().finally(() => process.exit(128 + constants.signals[name]))
  })

const commandTarget = '≥ 3,000/s, p99 ≤ 30 ms'
const meetsCommandTarget = (r: LoadResult) => r.perSecond >= 3000 && r.p99 <= 30 && r.non2xx === 0

const sections: Record<Section, () => Promise<void>> = {
  async raw() {
    const [full, normal, redis] = [
      await measures.libsqlFull(),
      await measures.libsqlNormal(),
      await measures.redis(),
    ]
    rows.push(
      {
        figure: '(d) raw libSQL commits, one insert each, FULL',
        measured: perSecond(full),
        baseline: `NORMAL ${perSecond(normal)}`,
        ratio: times(full, normal),
      },
      { figure: '(d) raw ioredis XADD + XREADGROUP + XACK', measured: `${fmt(redis)} msgs/s` },
    )
  },

  async pipeline() {
    const burst = 20_000
    const redis = await measures.redis()
    const streamPrefix = `${run.prefix}-pipeline`
    const eventsPerSecond = await outboxToReadModel(run.dir, run.redisUrl, streamPrefix, burst).finally(() =>
      deleteKeys(streamPrefix, run.redisUrl),
    )
    console.log(`(b) outbox → workshop read model, ${fmt(burst)} events: ${fmt(eventsPerSecond)} events/s`)
    rows.push({
      figure: `(b) outbox → workshop read model, ${fmt(burst)} events`,
      measured: `${fmt(eventsPerSecond)} events/s`,
      baseline: `raw Redis ${fmt(redis)} msgs/s`,
      ratio: percent(eventsPerSecond, redis),
      target: '≥ 12,000/s',
      pass: eventsPerSecond >= 12_000,
    })
  },

  async node() {
    const full = await measures.libsqlFull()
    const hello = await measures.helloNode()
    const naive = await measures.naive()
    const host = await measures.hostFull()
    const effect = host.effect!
    console.log(
      `(c) 2xx → workshop read model at 500 commands/s (${fmt(effect.commands)} commands): p50 ${fmt(effect.p50, 2)} ms, p99 ${fmt(effect.p99, 2)} ms` +
        (effect.failed ? `; ${effect.failed} failed, first: ${effect.firstFailure}` : ''),
    )
    rows.push(
      ...(
        [
          ['POST /api/customers', host.customers],
          ['POST /api/workshop/planning/{date}/jobs', host.jobs],
        ] as const
      ).map(([command, r]) => ({
        figure: `(a) ${command}, 50 connections`,
        measured: showLoad(r),
        baseline: `raw libSQL FULL ${perSecond(full)}`,
        ratio: times(r.perSecond, full),
        target: commandTarget,
        pass: meetsCommandTarget(r),
      })),
      {
        figure: '(a) customers vs Hono hello world on Node',
        measured: perSecond(host.customers.perSecond),
        baseline: `hello ${perSecond(hello.perSecond)}`,
        ratio: percent(host.customers.perSecond, hello.perSecond),
      },
      {
        figure: '(g) customers, Node host vs naive dual-write app',
        measured: perSecond(host.customers.perSecond),
        baseline: `naive ${perSecond(naive.customers.perSecond)}`,
        ratio: times(host.customers.perSecond, naive.customers.perSecond),
        target: '≥ 1×',
        pass: host.customers.perSecond >= naive.customers.perSecond,
      },
      {
        figure: '(g) peak RSS under that load, host vs naive app',
        measured: megabytes(host.peakRss),
        baseline: `naive ${megabytes(naive.peakRss)}`,
        ratio: times(host.peakRss, naive.peakRss),
        target: '≤ 1.3×',
        pass: host.peakRss <= 1.3 * naive.peakRss,
      },
      {
        figure: '(c) 2xx → workshop read model, 500 commands/s',
        measured:
          `p50 ${fmt(effect.p50, 2)} ms, p99 ${fmt(effect.p99, 2)} ms` +
          (effect.failed ? `, ${effect.failed} failed` : ''),
        target: 'p50 ≤ 3 ms, p99 ≤ 15 ms',
        pass: effect.p50 <= 3 && effect.p99 <= 15 && effect.failed === 0,
      },
    )
  },

  async durability() {
    const [rawFull, rawNormal] = [await measures.libsqlFull(), await measures.libsqlNormal()]
    const [full, normal] = [await measures.hostFull(), await measures.hostNormal()]
    console.log(`(e) raw libSQL commits FULL/NORMAL: ${fmt(rawFull / rawNormal, 2)}`)
    for (const command of ['customers', 'jobs'] as const)
      rows.push({
        figure: `(e) ${command}, FULL vs NORMAL sync`,
        measured: `FULL ${perSecond(full[command].perSecond)}`,
        baseline: `NORMAL ${perSecond(normal[command].perSecond)}`,
        ratio: times(full[command].perSecond, normal[command].perSecond),
      })
  },

  async saga() {
    const { saga, oneHop, perSecond: rate } = await sagaLatency(run)
    const show = (r: { p50: number; p99: number; failed: number }) =>
      `p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms` + (r.failed ? `, ${r.failed} failed` : '')
    console.log(
      `(h) proposal → approval requested at ${rate}/s (${fmt(saga.proposals)} proposals): ${show(saga)}` +
        (saga.failed ? `; first failure: ${saga.firstFailure}` : '') +
        `; one hop (2xx → workshop read model) at the same rate: ${show(oneHop)}`,
    )
    rows.push({
      figure: `(h) proposal → approval requested, ${rate}/s`,
      measured: show(saga),
      baseline: `one hop ${show(oneHop)}`,
      ratio: `p50 ${times(saga.p50, oneHop.p50)}`,
    })
  },

  // (9) Each figure spans a job planning's 201 (committed in the workshop's database) to its customer's
  // notification read off that customer's stream: the outbox relay, Redis, the notifications group's
  // commit, the stream woken, its read, and the bytes to this process.
  async live() {
    const r = await liveStreamLatency(run)
    const open = r.rssOpen - r.rssBefore
    const show = (d: Deliveries) => {
      const trouble = [
        d.missed && `${d.missed} missed`,
        d.wrong && `${d.wrong} to the wrong stream or twice`,
        d.failed && `${d.failed} plans failed`,
      ].filter(Boolean)
      return (
        `p50 ${fmt(d.p50, 1)} ms, p99 ${fmt(d.p99, 1)} ms` + (trouble.length ? `, ${trouble.join(', ')}` : '')
      )
    }
    console.log(
      `(9) ${fmt(r.streams)} streams open in ${fmt(r.openMs)} ms; host RSS ${megabytes(r.rssBefore)} → ` +
        `${megabytes(r.rssOpen)} (${fmt(open / r.streams / 1024, 1)} KB a stream), ${megabytes(r.rssAfter)} after ` +
        `the events; host CPU with them idle ${fmt(r.idleCpuPercent)}% of a core`,
    )
    for (const d of [r.all, r.few])
      console.log(
        `(9) job planned (201) → its notification on the customer's stream, ${fmt(d.events)} jobs at ` +
          `${r.perSecond}/s to random customers of ${fmt(d.streams)} open streams: ${show(d)}` +
          (d.firstFailure ? `; first failure: ${d.firstFailure}` : '') +
          `\n    of which 201 → the notifications group handling it p50 ${d.consumer.p50} ms, p99 ${d.consumer.p99} ms;` +
          ` from there → read off the stream p50 ${d.stream.p50} ms, p99 ${d.stream.p99} ms (system clock);` +
          ` this client's CPU ${fmt(d.clientCpuPercent)}% of a core`,
      )
    const ok = (d: Deliveries) => d.missed === 0 && d.wrong === 0 && d.failed === 0
    rows.push(
      {
        figure: `(9) 201 → SSE event, ${fmt(r.streams)} open streams, ${r.perSecond} jobs/s`,
        measured: show(r.all),
        baseline: `${fmt(r.few.streams)} open: p99 ${fmt(r.few.p99, 1)} ms`,
        ratio: `p99 ${times(r.all.p99, r.few.p99)}`,
        target: 'p99 ≤ 100 ms',
        pass: r.all.p99 <= 100 && ok(r.all) && ok(r.few),
      },
      {
        figure: `(9) host RSS, ${fmt(r.streams)} open streams`,
        measured: `+${megabytes(open)}, ${fmt(open / r.streams / 1024, 1)} KB a stream`,
        baseline: `none open ${megabytes(r.rssBefore)}`,
        ratio: times(r.rssOpen, r.rssBefore),
      },
    )
  },

  async edge() {
    const hello = await measures.helloWorker()
    const edge = await measures.edge()
    const { devServerUs, httpUs, embeddedUs } = await devServerCpuPerCommit(run.dir)
    console.log(
      `libSQL dev server: ${fmt(devServerUs)} µs of CPU per commit; Hrana over HTTP without a database: ` +
        `${fmt(httpUs)} µs; the embedded client: ${fmt(embeddedUs)} µs`,
    )
    rows.push(
      {
        figure: 'edge: POST /api/customers via gateway, 50 connections',
        measured: showLoad(edge.many),
        baseline: `hello worker ${perSecond(hello.many.perSecond)}`,
        ratio: percent(edge.many.perSecond, hello.many.perSecond),
        target: '≥ 25% of hello',
        pass: edge.many.perSecond >= 0.25 * hello.many.perSecond && edge.many.non2xx === 0,
      },
      {
        figure: 'edge: POST /api/customers via gateway, p50 at 1 connection',
        measured: `${fmt(edge.one.p50, 2)} ms`,
        baseline: `hello worker ${fmt(hello.one.p50, 2)} ms`,
        ratio: `${edge.one.p50 >= hello.one.p50 ? '+' : '−'}${fmt(Math.abs(edge.one.p50 - hello.one.p50), 2)} ms`,
        target: '≤ hello + 10 ms',
        pass: edge.one.p50 <= hello.one.p50 + 10 && edge.one.non2xx === 0,
      },
      {
        figure: 'edge: libSQL dev server CPU per commit',
        measured: `${fmt(devServerUs)} µs`,
        baseline: `embedded client ${fmt(embeddedUs)} µs`,
        ratio: times(devServerUs, embeddedUs),
      },
      {
        // What is left once HTTP is paid for: the dev server's own work beside the embedded client's.
        figure: 'edge: libSQL dev server CPU per commit beyond HTTP',
        measured: `${fmt(devServerUs - httpUs)} µs`,
        baseline: `embedded client ${fmt(embeddedUs)} µs; HTTP alone ${fmt(httpUs)} µs`,
        ratio: times(devServerUs - httpUs, embeddedUs),
      },
    )
  },

  // From a FLUSHALL of Redis to a new event's effect: flat in the history, since only the last
  // STREAM_KEEP events are published again (republishing all of it grew linearly, 5× from 20,000 to 100,000 events).
  async recovery() {
    const [small, large] = [await recoveryAfterFlush(20_000), await recoveryAfterFlush(100_000)]
    for (const r of [small, large]) {
      console.log(
        `(f) FLUSHALL → next event applied, ${fmt(r.history)} events of history: ${fmt(r.medianMs)} ms` +
          ` (median of ${r.recoveryMs.map((ms) => fmt(ms)).join(', ')} ms), ${fmt(r.republished)} events published again`,
      )
      rows.push({
        figure: `(f) FLUSHALL → next event applied, ${fmt(r.history)} events`,
        measured: `${fmt(r.medianMs)} ms`,
        baseline: `no flush ${fmt(r.baselineMs, 1)} ms`,
        ratio: times(r.medianMs, r.baselineMs),
        target: '< 1,500 ms',
        pass: r.medianMs < 1500,
      })
    }
    rows.push({
      figure: '(f) recovery, 100,000 vs 20,000 events of history',
      measured: `${fmt(large.medianMs)} ms`,
      baseline: `${fmt(small.medianMs)} ms`,
      ratio: times(large.medianMs, small.medianMs),
      target: 'flat: ≤ 2×',
      pass: large.medianMs <= 2 * small.medianMs,
    })
  },
}

try {
  console.log(
    `Pitstop Edge benchmark: ${selected.join(', ')} (2 cores expected; ${run.seconds} s per load)\n`,
  )
  for (const name of selected) {
    console.log(`— ${name}`)
    // What the sections before wrote may still be on its way to the disk: flushed now, it does not slow
    // the synced commits of this one.
    execFileSync('sync')
    await sections[name]()
    console.log()
  }
  console.log(summaryTable(rows))
} finally {
  await cleanUp()
}
