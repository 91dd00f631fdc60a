import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Synchronous } from '../shared/db/database.ts'
import { deleteKeys } from '../shared/testing/redis.ts'
import { commandThroughput, seedWorkshop, type LoadResult } from './commands.ts'
import { commandToEffectLatency, waitUntilCaughtUp } from './effect-latency.ts'
import { outboxToReadModel } from './pipeline.ts'
import { libsqlCommitsPerSecond, redisStreamMessagesPerSecond } from './raw-limits.ts'
import { recoveryAfterFlush, type RecoveryResult } from './recovery.ts'

// npm run bench: the figures the foundation is held to, with the raw limits of this machine beside them.
// `npm run bench -- recovery` runs only (f), which starts a redis-server of its own.
const parts = process.argv.slice(2)
if (parts.some((part) => part !== 'recovery')) {
  console.error('usage: npm run bench [-- recovery]')
  process.exit(2)
}
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const prefix = `bench-${Date.now()}`
const dir = await mkdtemp(join(tmpdir(), 'pitstop-bench-'))
const port = 18_000 + Math.floor(Math.random() * 1000)
const url = `http://127.0.0.1:${port}`
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/** The Node host on fresh data under `name`, its databases opened with `DB_SYNCHRONOUS=synchronous`. */
async function startHost(name: string, synchronous: Synchronous) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'shared/host/node/main.ts'], {
    cwd: new URL('..', import.meta.url).pathname,
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: join(dir, name),
      STREAM_PREFIX: `${prefix}-${name}`,
      LOG_LEVEL: 'warn',
      REDIS_URL: redisUrl,
      DB_SYNCHRONOUS: synchronous,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  for (;;) {
    if (child.exitCode !== null) throw new Error('the host did not start')
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return child
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function stopHost(host: ChildProcess) {
  if (host.exitCode !== null) return
  host.kill('SIGTERM')
  await new Promise((r) => host.once('exit', r))
}

/** Seeds a host started on `synchronous` databases and measures its command throughput. */
async function hostThroughput(name: string, synchronous: Synchronous) {
  const host = await startHost(name, synchronous)
  try {
    await seedWorkshop(url)
    return await commandThroughput(url, seconds)
  } finally {
    await stopHost(host)
  }
}

/** (a)–(e): raw limits, the outbox pipeline, and the host under load with FULL and NORMAL sync. */
async function throughputAndLatency() {
  const rawLibsql = await libsqlCommitsPerSecond(dir, 'full')
  const rawLibsqlNormal = await libsqlCommitsPerSecond(dir, 'normal')
  const rawRedis = await redisStreamMessagesPerSecond(redisUrl, `${prefix}.raw`)
  console.log(`(d) raw libSQL single-transaction commits, FULL:   ${fmt(rawLibsql)}/s`)
  console.log(`(d) raw libSQL single-transaction commits, NORMAL: ${fmt(rawLibsqlNormal)}/s`)
  console.log(`(d) raw ioredis XADD + XREADGROUP + XACK:          ${fmt(rawRedis)} msgs/s\n`)

  const burst = 20_000
  const pipeline = await outboxToReadModel(dir, redisUrl, `${prefix}-pipeline`, burst)
  console.log(
    `(b) outbox → workshop read model, ${fmt(burst)} events: ${fmt(pipeline)} events/s (target ≥ 12,000; ${fmt((pipeline / rawRedis) * 100)}% of raw Redis)\n`,
  )

  // The host as deployed: DB_SYNCHRONOUS=full, the default.
  const host = await startHost('host', 'full')
  let full: LoadResult[]
  try {
    await seedWorkshop(url)
    full = await commandThroughput(url, seconds)
    for (const r of full) {
      console.log(
        `(a) ${r.label.padEnd(42)} ${fmt(r.perSecond)} commands/s, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms, non-2xx ${r.non2xx}` +
          ` (target ≥ 3,000/s, p99 ≤ 30 ms; ${fmt((r.perSecond / rawLibsql) * 100)}% of raw libSQL FULL commits)`,
      )
    }
    await waitUntilCaughtUp(url)
    const effect = await commandToEffectLatency(url, 500, seconds)
    console.log(
      `\n(c) 2xx → effect in the workshop read model at 500 commands/s (${fmt(effect.commands)} commands):` +
        ` p50 ${fmt(effect.p50, 2)} ms, p99 ${fmt(effect.p99, 2)} ms (target p50 ≤ 3 ms, p99 ≤ 15 ms)`,
    )
  } finally {
    await stopHost(host)
  }

  // The same load on a host with the opt-in DB_SYNCHRONOUS=normal: what syncing every commit costs.
  const normal = await hostThroughput('host-normal', 'normal')
  console.log()
  for (const [i, f] of full.entries()) {
    const n = normal[i]!
    console.log(
      `(e) ${f.label.padEnd(42)} FULL ${fmt(f.perSecond)}/s (p99 ${fmt(f.p99, 1)} ms), NORMAL ${fmt(n.perSecond)}/s` +
        ` (p99 ${fmt(n.p99, 1)} ms, non-2xx ${n.non2xx}): FULL/NORMAL ${fmt(f.perSecond / n.perSecond, 2)}` +
        ` (raw libSQL commits FULL/NORMAL ${fmt(rawLibsql / rawLibsqlNormal, 2)})`,
    )
  }
}

/**
 * (f) From a FLUSHALL of Redis to a new event's effect, with 20,000 and 100,000 events of history: it
 * should not grow with the history, since only the last `STREAM_KEEP` events are published again.
 */
async function recoveryAfterFlushes() {
  const results = []
  for (const history of [20_000, 100_000]) results.push(await recoveryAfterFlush(history))
  for (const r of results)
    console.log(
      `(f) FLUSHALL → next event in the workshop read model, ${fmt(r.history).padStart(7)} events of history:` +
        ` ${fmt(r.medianMs)} ms (median of ${r.recoveryMs.map((ms) => fmt(ms)).join(', ')} ms; target < 1,500 ms);` +
        ` ${fmt(r.republished)} events published again; ${fmt(r.medianMs / r.baselineMs)}× the ${fmt(r.baselineMs, 1)} ms without a flush`,
    )
  const [small, large] = results as [RecoveryResult, RecoveryResult]
  console.log(
    `(f) recovery with ${fmt(large.history)} / with ${fmt(small.history)} events of history: ${fmt(large.medianMs / small.medianMs, 2)}` +
      ` (flat is 1; republishing the whole history grew linearly)`,
  )
}

try {
  console.log('Pitstop Edge benchmark (2 cores expected; run nothing else meanwhile)\n')
  if (parts.length === 0) {
    await throughputAndLatency()
    console.log()
  }
  await recoveryAfterFlushes()
} finally {
  if (parts.length === 0) {
    await deleteKeys(`${prefix}-host`, redisUrl)
    await deleteKeys(`${prefix}-host-normal`, redisUrl)
    await deleteKeys(`${prefix}-pipeline`, redisUrl)
  }
  await rm(dir, { recursive: true, force: true })
}
