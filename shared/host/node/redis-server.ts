import { spawn, spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { Redis } from 'ioredis'
import type { Logger } from '../../logger.ts'

async function answers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  redis.on('error', () => {})
  try {
    await redis.connect()
    await redis.ping()
    return true
  } catch {
    return false
  } finally {
    redis.disconnect()
  }
}

/**
 * Makes sure Redis answers at `url`. When none does and `redis-server` is installed, starts one with
 * append-only persistence under `dataDir` and returns a function that stops it; otherwise explains
 * how to get one. The redis-server started here never outlives this process: however it exits (a
 * shutdown deadline, a crash), the server is killed on the way out.
 */
export async function ensureRedis(
  url: string,
  dataDir: string,
  logger: Logger,
): Promise<(graceMs?: number) => Promise<void>> {
  if (await answers(url)) return async () => {}
  const installed = spawnSync('redis-server', ['--version']).status === 0
  const { hostname, port } = new URL(url)
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(hostname)
  if (!installed || !local) {
    throw new Error(
      `No Redis answers at ${url}.` +
        (local
          ? ' Install one (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) and run npm start again,' +
            ' or point REDIS_URL at a running Redis.'
          : ' Start it, or point REDIS_URL at a running Redis.'),
    )
  }
  const child = spawn(
    'redis-server',
    [
      '--port',
      port || '6379',
      '--bind',
      '127.0.0.1',
      '--appendonly',
      'yes',
      '--save',
      '',
      '--dir',
      resolve(dataDir),
    ],
    { stdio: 'ignore' },
  )
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  const running = () => child.exitCode === null && child.signalCode === null
  // On `process.exit` (the shutdown deadline, a crash) only synchronous code runs: no time to ask politely.
  const killOnExit = () => void (running() && child.kill('SIGKILL'))
  process.once('exit', killOnExit)
  for (let i = 0; i < 50 && !(await answers(url)); i++) await new Promise((r) => setTimeout(r, 100))
  if (!(await answers(url))) throw new Error(`Started redis-server, but it does not answer at ${url}`)
  logger.info({ url, dataDir }, 'started a local redis-server (append-only)')
  // SIGTERM, so it completes its append-only file; SIGKILL when it is still there after `graceMs`
  // (hung, or stopped).
  return async (graceMs = 2_000) => {
    if (running()) child.kill('SIGTERM')
    let timer: ReturnType<typeof setTimeout> | undefined
    const overdue = new Promise<void>((r) => (timer = setTimeout(r, graceMs)))
    await Promise.race([exited, overdue])
    clearTimeout(timer)
    if (running()) {
      logger.warn({ graceMs }, 'redis-server did not stop on SIGTERM; killing it')
      child.kill('SIGKILL')
    }
    await exited
    process.removeListener('exit', killOnExit)
  }
}
