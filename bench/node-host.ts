import { sign } from 'hono/jwt'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Synchronous } from '../shared/db/database.ts'
import { deleteKeys } from '../shared/testing/redis.ts'
import { jobPlans, registrationThroughput, seedWorkshop } from './commands.ts'
import { commandToEffectLatency, waitUntilCaughtUp } from './effect-latency.ts'
import { load, type LoadResult } from './load.ts'
import { root, startScript, type Server } from './servers.ts'
import { MECHANIC, signIn } from './sign-in.ts'

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
export const startFlags = (): string[] => {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: { start: string }
  }
  return /\bnode ((?:--\S+ )*)--import tsx/.exec(scripts.start)![1]!.trim().split(' ').filter(Boolean)
}

/**
 * Runs `measure` on `script` serving from data and streams of its own under `name` (ready once `ready`
 * answers), then stops it and deletes its keys.
 */
export async function withServer<T>(
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
    // Every request as the demo mechanic, signed in once the host is ready.
    const mechanic = await signIn(url)
    await seedWorkshop(mechanic)
    const customers = await registrationThroughput(mechanic, run.seconds)
    const figures: HostFigures = {
      customers,
      peakRss: await peakRss(),
      jobs: await load(mechanic, 50, run.seconds, jobPlans()),
    }
    if (effect) {
      await waitUntilCaughtUp(mechanic)
      figures.effect = await commandToEffectLatency(mechanic, 500, run.seconds)
    }
    return figures
  })
}

/**
 * The naive dual-write app (bench/naive-app.ts) under the host's registration load, and its peak RSS.
 * Its requests carry a token signed as its authors would sign one (`hono/jwt`, HS256, a working day),
 * with a secret of this run.
 */
export async function naiveUnderLoad(run: BenchRun) {
  const secret = crypto.randomUUID()
  const token = await sign(
    { sub: `staff:${MECHANIC.email}`, role: 'mechanic', exp: Math.floor(Date.now() / 1000) + 10 * 3600 },
    secret,
    'HS256',
  )
  const naive = { name: 'naive', script: 'bench/naive-app.ts', env: { JWT_SECRET: secret } }
  return withServer(run, naive, async ({ url, peakRss }) => {
    const mechanic = { url, headers: { authorization: `Bearer ${token}` } }
    const customers = await registrationThroughput(mechanic, run.seconds)
    return { customers, peakRss: await peakRss() }
  })
}

/** Hono's hello world on @hono/node-server at 50 connections, after a 2-second warm-up; open to anyone. */
export function helloNodeUnderLoad(run: BenchRun) {
  const hello = () => ({ method: 'GET', path: '/' }) as const
  return withServer(
    run,
    { name: 'hello-node', script: 'bench/hello-node.ts', ready: '/' },
    async (server) => {
      await load(server, 50, 2, hello)
      return load(server, 50, run.seconds, hello)
    },
  )
}
