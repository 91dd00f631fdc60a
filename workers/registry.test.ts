import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { parse } from 'smol-toml'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { newUuidV7, systemClock } from '../shared/clock.ts'
import { deadLetterDesk } from '../shared/consumer/dead-letters.ts'
import { createLogger } from '../shared/logger.ts'
import { createOutbox } from '../shared/outbox/outbox.ts'
import type { ServiceDefinition } from '../shared/service.ts'
import { workerName } from '../shared/host/workerd/gateway-env.ts'
import { tempDatabase } from '../shared/testing/temp-database.ts'
import { testTokens } from '../shared/testing/tokens.ts'
import { serviceNames, services } from './registry.ts'

const root = new URL('../', import.meta.url)

// A service is its folder plus its line in the registry: what the hosts and tools derive from the
// registry must find in the folder what they expect.
/** The service as a host builds it, on a migrated database of its own. */
async function build(service: ServiceDefinition) {
  const { db } = await tempDatabase(service.name)
  return service.create({
    db,
    outbox: createOutbox(db, () => {}),
    clock: systemClock,
    newId: newUuidV7,
    logger: createLogger('silent'),
    http: { maxBodyBytes: 1024 },
    tokens: testTokens(),
    deadLetters: deadLetterDesk(() => []),
    settings: v.parse(service.settings ?? v.object({}), {}),
    production: false,
    longLived: true,
  })
}

describe.each(services.map((service) => [service.name, service] as const))(
  'the %s service',
  (name, service) => {
    it('has a name usable as a path, a stream, a database file and a worker name', () => {
      expect(name).toMatch(/^[a-z][a-z0-9-]*$/)
    })

    it('declares who may call each endpoint its app serves, and no other', async () => {
      const { app } = await build(service)
      const routes = app.routes
        .filter((route) => route.method !== 'ALL')
        .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`)
      // An endpoint may show its query (`?from={date}`); the route is the path.
      expect([...new Set(routes)].sort()).toEqual(
        Object.keys(service.access)
          .map((api) => api.split('?')[0])
          .sort(),
      )
    })

    it('reads only streams of services in the registry', async () => {
      for (const { reads } of (await build(service)).consumers)
        for (const source of reads) expect(serviceNames).toContain(source)
    })

    it('has its worker config in its folder, naming the worker pitstop-<service>, and its migrations', async () => {
      const config = parse(await readFile(new URL(`workers/${name}/wrangler.toml`, root), 'utf8')) as {
        name: string
        main: string
      }
      expect(config.name).toBe(workerName(name))
      expect(existsSync(new URL(`workers/${name}/${config.main}`, root))).toBe(true)
      expect(existsSync(new URL(`migrations/${name}/meta/_journal.json`, root))).toBe(true)
    })

    it('has a cron trigger once a minute in its worker config: the relay backstop, and its tick on workerd', async () => {
      const config = parse(await readFile(new URL(`workers/${name}/wrangler.toml`, root), 'utf8')) as {
        triggers?: { crons?: string[] }
      }
      expect(config.triggers?.crons).toContain('* * * * *')
    })
  },
)

describe('the registry', () => {
  it('names every service once', () => {
    expect(new Set(serviceNames).size).toBe(serviceNames.length)
  })
})
