import { serve } from '@hono/node-server'
import { request as httpRequest } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Identity } from '../../shared/auth/principal.ts'
import { newUuidV7, type Clock } from '../../shared/clock.ts'
import { createLogger } from '../../shared/logger.ts'
import { parseConfig, type HostConfig } from '../../shared/host/config.ts'
import { createGateway } from '../../shared/host/gateway.ts'
import { startServices, type RunningServices } from '../../shared/host/node/services.ts'
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../../shared/testing/redis.ts'
import { TEST_SECRET } from '../../shared/testing/tokens.ts'

/** Time that moves only when a test moves it. */
export function manualClock(start = '2026-12-01T08:00:00.000Z') {
  let now = Date.parse(start)
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms
    },
  } satisfies Clock & { advance(ms: number): void }
}

/** A request as a test sends it: from a loopback address of its choice, so clients can be told apart. */
export interface Send {
  method?: string
  headers?: Record<string, string>
  body?: unknown
  /** The client's address, any of 127.0.0.0/8; 127.0.0.1 by default. */
  from?: string
}

/** Real HTTP over `node:http`, which, unlike `fetch`, can choose the local address it sends from. */
function send(url: string, path: string, { method = 'GET', headers = {}, body, from }: Send = {}) {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  return new Promise<Response>((resolve, reject) => {
    const req = httpRequest(
      `${url}${path}`,
      {
        method,
        localAddress: from ?? '127.0.0.1',
        headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => {
          const responseHeaders = new Headers()
          for (const [name, value] of Object.entries(res.headers))
            for (const one of Array.isArray(value) ? value : [value ?? '']) responseHeaders.append(name, one)
          const status = res.statusCode!
          const content = status === 204 || status === 304 ? null : Buffer.concat(chunks)
          resolve(new Response(content, { status, headers: responseHeaders }))
        })
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

/**
 * The Node host's services (the auth service, and others when named) behind the gateway, with a clock the
 * test drives, a fresh data directory and stream prefix, and passwords hashed with few iterations unless
 * `env` says otherwise. Requests go out with no credentials unless they carry some. `restart` starts it
 * again on the same data and Redis, perhaps with another environment.
 */
export async function startAuthHost({
  env = {},
  services = ['auth'],
  clock = manualClock(),
}: { env?: Record<string, string>; services?: string[]; clock?: ReturnType<typeof manualClock> } = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'pitstop-auth-test-'))
  const streamPrefix = uniquePrefix('auth')
  // What the host logs, at warn and above, one parsed line each; printed too with TEST_LOG_LEVEL.
  const logs: { level: number; msg: string; [key: string]: unknown }[] = []
  const logger = createLogger(
    process.env.TEST_LOG_LEVEL ?? 'warn',
    {},
    {
      write(line: string) {
        logs.push(JSON.parse(line))
        if (process.env.TEST_LOG_LEVEL) process.stdout.write(line)
      },
    },
  )
  const configOf = (environment: Record<string, string>): HostConfig => ({
    // One secret for every start, so that tokens outlive a restart as they do in production.
    ...parseConfig({
      REDIS_URL: TEST_REDIS_URL,
      PASSWORD_ITERATIONS: '1000',
      AUTH_SECRET: TEST_SECRET,
      ...environment,
    }),
    dataDir,
    streamPrefix,
    services,
    port: 0,
    claimIdleMs: 1000,
  })

  let config = configOf(env)
  let running: RunningServices
  let server: ReturnType<typeof serve>
  let url = ''
  async function start() {
    running = await startServices(config, logger, { clock })
    server = serve({ fetch: createGateway(running).fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise<void>((resolve) => server.once('listening', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }
  async function stop() {
    await new Promise((resolve) => server.close(resolve))
    await running.stop()
  }
  await start()

  const json =
    (method: string) =>
    (path: string, body?: unknown, options: Omit<Send, 'body' | 'method'> = {}) =>
      send(url, path, { ...options, method, body })
  return {
    clock,
    logs,
    /** Where the gateway listens, `http://127.0.0.1:<port>`. */
    get url() {
      return url
    },
    get config() {
      return config
    },
    get running() {
      return running
    },
    /** Any request, as `Send` describes it. */
    request: (path: string, options?: Send) => send(url, path, options),
    get: (path: string, options: Omit<Send, 'method'> = {}) => send(url, path, options),
    post: json('POST'),
    /** `Authorization: Bearer <token>`. */
    bearer: (token: string) => ({ authorization: `Bearer ${token}` }),
    /** Signs a token for anybody, as the host would (not recorded by the auth service). */
    tokenFor: async (identity: Identity, lifetimeMs = 3_600_000) =>
      (await running.tokens.issue(identity, lifetimeMs, newUuidV7())).token,
    db: (name = 'auth') => running.services.find((s) => s.name === name)!.database.db,
    /** Stops the host and starts it again on the same data and Redis, perhaps with another environment. */
    async restart(environment = env) {
      await stop()
      config = configOf(environment)
      await start()
    },
    async cleanup() {
      await stop()
      await deleteKeys(streamPrefix, config.redisUrl)
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}
export type AuthHost = Awaited<ReturnType<typeof startAuthHost>>

/** Signs in over HTTP; the answer's body and its cookie. */
export async function login(
  host: AuthHost,
  email: string,
  password: string,
  options: Omit<Send, 'body'> = {},
) {
  const res = await host.post('/api/auth/login', { email, password }, options)
  return { res, body: (await res.json()) as Record<string, unknown> & { token: string } }
}
