import { serve } from '@hono/node-server'
import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Identity } from '../../auth/principal.ts'
import { newUuidV7 } from '../../clock.ts'
import { createLogger } from '../../logger.ts'
import { parseConfig, type HostConfig } from '../config.ts'
import { createGateway } from '../gateway.ts'
import { webApp } from '../../../workers/web/app.tsx'
import { fileAssets } from './assets.ts'
import { startServices, type StartOptions } from './services.ts'
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../../testing/redis.ts'

/**
 * The Node host's services and gateway, served on a free port with a fresh data directory and stream
 * prefix. Tests talk to it over real HTTP, as the workshop manager unless they send an `authorization`
 * header of their own (`tokenFor` signs one for anybody); `cleanup()` stops it and removes its data and
 * streams.
 *
 * @example
 * const host = await startTestHost({ services: ['customers'] })
 * const res = await host.post('/api/customers', body)
 * await host.cleanup()
 */
export async function startTestHost(overrides: Partial<HostConfig> = {}, options: StartOptions = {}) {
  // A host given another's data directory (a second process of one deployment) leaves it to that host.
  const ownDir = overrides.dataDir ? undefined : await mkdtemp(join(tmpdir(), 'pitstop-test-'))
  const config: HostConfig = {
    ...parseConfig({ REDIS_URL: TEST_REDIS_URL }),
    ...(ownDir && { dataDir: ownDir }),
    streamPrefix: uniquePrefix('host'),
    port: 0,
    claimIdleMs: 1000,
    ...overrides,
  }
  const running = await startServices(config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), options)
  const server = serve({
    fetch: createGateway(running, { web: webApp(fileAssets()) }).fetch,
    port: 0,
    hostname: '127.0.0.1',
  })
  await new Promise<void>((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  let stopped = false

  const tokenFor = async (identity: Identity, lifetimeMs = 3_600_000) =>
    (await running.tokens.issue(identity, lifetimeMs, newUuidV7())).token
  // Signed anew for each request, by the host's clock: a test that moves a manual clock on by days
  // would find a token signed once expired.
  const request = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    if (!headers.has('authorization'))
      headers.set(
        'authorization',
        `Bearer ${await tokenFor({ role: 'manager', email: 'manager@pitstop.local' })}`,
      )
    return fetch(`${url}${path}`, { ...init, headers })
  }
  const send =
    (method: string) =>
    (path: string, body: unknown, headers: Record<string, string> = {}) =>
      request(path, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      })

  const stop = async () => {
    if (stopped) return
    stopped = true
    await new Promise((resolve) => server.close(resolve))
    await running.stop()
  }

  return {
    url,
    config,
    running,
    request,
    tokenFor,
    get: async (path: string, headers: Record<string, string> = {}) => request(path, { headers }),
    post: send('POST'),
    put: send('PUT'),
    /** The database of one service, for asserting what was (not) written. */
    db: (name: string) => running.services.find((s) => s.name === name)!.database.db,
    stop,
    async cleanup() {
      await stop()
      await deleteKeys(config.streamPrefix, config.redisUrl)
      if (ownDir) await rm(ownDir, { recursive: true, force: true })
    },
  }
}
export type TestHost = Awaited<ReturnType<typeof startTestHost>>

export const sampleCustomer = (customerId: string, name = 'Ann de Vries') => ({
  customerId,
  name,
  address: 'Main Street 1',
  postalCode: '1234 AB',
  city: 'Utrecht',
  telephoneNumber: '+31 6 12345678',
  emailAddress: `${customerId}@example.com`,
})

export const sampleVehicle = (licenseNumber: string, ownerId: string) => ({
  licenseNumber,
  brand: 'Opel',
  type: 'Astra',
  ownerId,
})
