import { join } from 'node:path'
import { deleteKeys } from '../shared/testing/redis.ts'
import { registrations, registrationThroughput } from './commands.ts'
import { load, oneConnection, type LoadResult } from './load.ts'
import type { BenchRun } from './node-host.ts'
import { freePort, root, startScript, startServer } from './servers.ts'
import { signIn } from './sign-in.ts'

export interface EdgeFigures {
  /** At 50 connections, and at one. */
  many: LoadResult
  one: LoadResult
}

// wrangler's chatter off, as `npm run dev:edge` has it: no telemetry, no banner (nor its update check),
// no fetch of `Request.cf` from Cloudflare. Nor a log line per request, for the gateway and the hello
// worker alike (thousands of them a second would cost wrangler's process CPU the workers need), nor the
// warning that crons do not fire under `wrangler dev`. Its debug log files go to the run's temporary
// directory.
const quietWrangler = {
  WRANGLER_LOG: 'error',
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
}
// The first requests to a worker under `wrangler dev` bundle and start it.
const startTimeoutMs = 120_000

/**
 * `POST /api/customers` through the gateway of `npm run dev:edge` (libSQL dev server, wrangler with the
 * gateway and every service worker), at one connection, then at 50 after a warm-up, signed in.
 */
export async function edgeUnderLoad(run: BenchRun): Promise<EdgeFigures> {
  const streamPrefix = `${run.prefix}-edge`
  const edge = await startScript('npm run dev:edge', 'tools/edge/dev.ts', {
    ready: '/health',
    env: {
      DATA_DIR: join(run.dir, 'edge'),
      STREAM_PREFIX: streamPrefix,
      REDIS_URL: run.redisUrl,
      LOG_LEVEL: 'warn',
      // dev:edge passes its environment on to wrangler.
      WRANGLER_LOG: quietWrangler.WRANGLER_LOG,
      WRANGLER_LOG_PATH: join(run.dir, 'wrangler-logs'),
    },
    timeoutMs: startTimeoutMs,
  })
  try {
    // As the demo mechanic, signed in through the gateway (the auth worker) once it is ready.
    const mechanic = await signIn(edge.url)
    // One connection first (after a warm-up, as at 50): a server that falls behind at 50 connections
    // is still working off their requests seconds after the load has stopped.
    await oneConnection(mechanic, 2, registrations('warm-one'))
    const one = await oneConnection(mechanic, run.seconds, registrations('one'))
    return { one, many: await registrationThroughput(mechanic, run.seconds) }
  } finally {
    await edge.stop()
    await deleteKeys(streamPrefix, run.redisUrl)
  }
}

/**
 * A hello-world worker (bench/hello-worker) under its own `wrangler dev`, loaded as the gateway is but
 * without credentials: it measures the platform.
 */
export async function helloWorkerUnderLoad(run: BenchRun): Promise<EdgeFigures> {
  const port = await freePort()
  const hello = await startServer(
    'the hello-world worker',
    join(root, 'node_modules/.bin/wrangler'),
    [
      'dev',
      ...['-c', 'bench/hello-worker/wrangler.toml'],
      ...['--ip', '127.0.0.1', '--port', String(port)],
      ...['--persist-to', join(run.dir, 'hello-wrangler')],
      '--show-interactive-dev-session=false',
    ],
    {
      port,
      ready: '/',
      env: { ...quietWrangler, WRANGLER_LOG_PATH: join(run.dir, 'wrangler-logs') },
      timeoutMs: startTimeoutMs,
    },
  )
  const get = () => ({ method: 'GET', path: '/' }) as const
  try {
    await oneConnection(hello, 2, get)
    const one = await oneConnection(hello, run.seconds, get)
    await load(hello, 50, 2, get)
    return { one, many: await load(hello, 50, run.seconds, get) }
  } finally {
    await hello.stop()
  }
}
