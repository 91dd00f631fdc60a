import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Synchronous } from '../shared/db/database.ts'
import { deleteKeys } from '../shared/testing/redis.ts'
import { jobPlans, registrationThroughput, seedWorkshop } from './commands.ts'
import { commandToEffectLatency, waitUntilCaughtUp } from './effect-latency.ts'
import { load, type LoadResult } from './load.ts'
import { root, startScript, type Server } from './servers.ts'

/** Where a run keeps its data and streams, and how long each load lasts. */
export interface BenchRun {
  dir: string
  redisUrl: string
  prefix: string
  seconds: number
}

export interface HostFigures {
  customers: LoadResult
  jobs: LoadResult
  /** VmHWM after the registrations, before the jobs: the same load as the naive app's. */
  peakRss: number
  /** (c), measured on the host with FULL sync only. */
  effect?: Awaited<ReturnType<typeof commandToEffectLatency>>
}

/** The Node flags `npm start` gives the host (`exec node <flags> --import tsx …`), so it runs here as there. */
const startFlags = (): string[] => {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: { start: string }
  }
  return /\bnode ((?:--\S+ )*)--import tsx/.exec(scripts.start)![1]!.trim().split(' ').filter(Boolean)
}

/**
 * Runs `measure` on `script` serving from data and streams of its own under `name` (ready once `ready`
 * answers), then stops it and deletes its keys.
 */
async function withServer<T>(
  run: BenchRun,
  {
    name,
    script,
    ready = '/health',
    env = {},
    nodeFlags,
  }: { name: string; script: string; ready?: string; env?: Record<string, string>; nodeFlags?: string[] },
  measure: (server: Server) => Promise<T>,
): Promise<T> {
  const streamPrefix = `${run.prefix}-${name}`
  const server = await startScript(name, script, {
    ready,
    env: { DATA_DIR: join(run.dir, name), STREAM_PREFIX: streamPrefix, REDIS_URL: run.redisUrl, ...env },
    nodeFlags,
  })
  try {
    return await measure(server)
  } finally {
    await server.stop()
    await deleteKeys(streamPrefix, run.redisUrl)
  }
}

/** The Node host (`npm start`) on databases synced `synchronous`: (a), its peak RSS, and (c) when asked. */
export function hostUnderLoad(
  run: BenchRun,
  synchronous: Synchronous,
  effect: boolean,
): Promise<HostFigures> {
  const host = {
    name: `host-${synchronous}`,
    script: 'shared/host/node/main.ts',
    env: { LOG_LEVEL: 'warn', DB_SYNCHRONOUS: synchronous },
    nodeFlags: startFlags(),
  }
  return withServer(run, host, async ({ url, peakRss }) => {
    await seedWorkshop(url)
    const customers = await registrationThroughput(url, run.seconds)
    const figures: HostFigures = {
      customers,
      peakRss: await peakRss(),
      jobs: await load(url, 50, run.seconds, jobPlans()),
    }
    if (effect) {
      await waitUntilCaughtUp(url)
      figures.effect = await commandToEffectLatency(url, 500, run.seconds)
    }
    return figures
  })
}

/** The naive dual-write app (bench/naive-app.ts) under the host's registration load, and its peak RSS. */
export function naiveUnderLoad(run: BenchRun) {
  return withServer(run, { name: 'naive', script: 'bench/naive-app.ts' }, async ({ url, peakRss }) => {
    const customers = await registrationThroughput(url, run.seconds)
    return { customers, peakRss: await peakRss() }
  })
}

/** Hono's hello world on @hono/node-server at 50 connections, after a 2-second warm-up. */
export function helloNodeUnderLoad(run: BenchRun) {
  const hello = () => ({ method: 'GET', path: '/' }) as const
  return withServer(
    run,
    { name: 'hello-node', script: 'bench/hello-node.ts', ready: '/' },
    async ({ url }) => {
      await load(url, 50, 2, hello)
      return load(url, 50, run.seconds, hello)
    },
  )
}
