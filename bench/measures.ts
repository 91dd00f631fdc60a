import { edgeUnderLoad, helloWorkerUnderLoad } from './edge.ts'
import { helloNodeUnderLoad, hostUnderLoad, naiveUnderLoad, type BenchRun } from './node-host.ts'
import { libsqlCommitsPerSecond, redisStreamMessagesPerSecond } from './raw-limits.ts'
import { fmt, megabytes, perSecond, showLoad } from './report.ts'

/** Measured on first use, by whichever section needs it first, and printed then. */
function once<T>(label: string, measure: () => Promise<T>, show: (value: T) => string) {
  let value: Promise<T> | undefined
  return () =>
    (value ??= measure().then((v) => {
      console.log(`${label}: ${show(v)}`)
      return v
    }))
}

/**
 * Every figure a section may need, its own or a baseline, each measured at most once in a run: a
 * baseline two sections share (raw libSQL FULL for (a) and (e)) is the same number in both.
 */
export function createMeasures(run: BenchRun) {
  return {
    libsqlFull: once('raw libSQL commits, FULL', () => libsqlCommitsPerSecond(run.dir, 'full'), perSecond),
    libsqlNormal: once(
      'raw libSQL commits, NORMAL',
      () => libsqlCommitsPerSecond(run.dir, 'normal'),
      perSecond,
    ),
    redis: once(
      'raw ioredis XADD + XREADGROUP + XACK',
      () => redisStreamMessagesPerSecond(run.redisUrl, `${run.prefix}.raw`),
      (n) => `${fmt(n)} msgs/s`,
    ),
    helloNode: once('Hono hello world on Node, 50 connections', () => helloNodeUnderLoad(run), showLoad),
    naive: once(
      'naive dual-write app, POST /api/customers, 50 connections',
      () => naiveUnderLoad(run),
      (r) => `${showLoad(r.customers)}; peak RSS ${megabytes(r.peakRss)}`,
    ),
    hostFull: once(
      'Node host (FULL), 50 connections',
      () => hostUnderLoad(run, 'full', true),
      (r) => `customers ${showLoad(r.customers)}; peak RSS ${megabytes(r.peakRss)}; jobs ${showLoad(r.jobs)}`,
    ),
    hostNormal: once(
      'Node host (NORMAL), 50 connections',
      () => hostUnderLoad(run, 'normal', false),
      (r) => `customers ${showLoad(r.customers)}; jobs ${showLoad(r.jobs)}`,
    ),
    helloWorker: once(
      'hello-world worker under wrangler dev',
      () => helloWorkerUnderLoad(run),
      (r) => `50 connections ${showLoad(r.many)}; one connection ${showLoad(r.one)}`,
    ),
    edge: once(
      'gateway under wrangler dev, POST /api/customers',
      () => edgeUnderLoad(run),
      (r) => `50 connections ${showLoad(r.many)}; one connection ${showLoad(r.one)}`,
    ),
  }
}
