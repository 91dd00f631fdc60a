import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { serviceNames } from '../../workers/registry.ts'
import { bundleForDev, writeWorkerConfigs } from './edge-workers.ts'

type WrittenConfig = {
  name: string
  vars: Record<string, string>
  services?: { binding: string; service: string }[]
  triggers?: { crons: string[] }
  assets?: { directory: string }
}

describe('the worker configs npm run dev:edge and deploy:edge write', () => {
  it('give every service worker the variables, and the gateway those not named like its bindings (CLOCK)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pitstop-edge-configs-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))

    const paths = await writeWorkerConfigs(dir, { CLOCK: 'manual', STREAM_PREFIX: 'edge-test' })
    const configs = await Promise.all(
      paths.map(async (path) => JSON.parse(await readFile(path, 'utf8')) as WrittenConfig),
    )
    const [gateway, ...workers] = configs.slice(0, -1)

    expect(gateway!.services).toEqual([
      ...serviceNames.map((n) => ({ binding: n.toUpperCase(), service: `pitstop-${n}` })),
      { binding: 'WEB_ASSETS', service: 'pitstop-web-assets' },
    ])
    expect(gateway!.vars).toMatchObject({ STREAM_PREFIX: 'edge-test', SERVICES: serviceNames.join(',') })
    expect(gateway!.vars).not.toHaveProperty('CLOCK')
    for (const worker of workers) {
      expect(worker.vars, worker.name).toMatchObject({ CLOCK: 'manual', STREAM_PREFIX: 'edge-test' })
      expect(worker.triggers?.crons, worker.name).toEqual(['* * * * *'])
    }
  })

  it("put the web app's files in a worker of static assets alone, so that no API request meets the asset router", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pitstop-edge-configs-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))

    const paths = await writeWorkerConfigs(dir, { STREAM_PREFIX: 'edge-test' })
    const [gateway, files] = await Promise.all(
      [paths[0]!, paths.at(-1)!].map(
        async (path) => JSON.parse(await readFile(path, 'utf8')) as WrittenConfig,
      ),
    )

    expect(gateway!.assets).toBeUndefined()
    expect(files).toMatchObject({ name: 'pitstop-web-assets', compatibility_date: expect.any(String) })
    expect(files).not.toHaveProperty('main')
    const assets = files!.assets!.directory
    expect(await readFile(join(assets, 'assets/app.css'), 'utf8')).toContain(':root')
    expect((await stat(join(assets, 'assets/htmx.min.js'))).size).toBeGreaterThan(10_000)
    // Served as they are: `wrangler dev` has nothing to bundle for them.
    expect(await bundleForDev([paths.at(-1)!])).toEqual([paths.at(-1)!])
  })

  it("keep secrets out of the configs wrangler prints: each service worker's .dev.vars, for its owner only", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pitstop-edge-configs-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const secrets = {
      AUTH_SECRET: 'a secret of the run, with = and +/',
      STAFF_ACCOUNTS: "manager:o'neil@x.example:p#w",
    }

    const paths = await writeWorkerConfigs(dir, { STREAM_PREFIX: 'edge-test' }, secrets)
    const [gateway, ...workers] = paths.slice(0, -1)
    const files = paths.at(-1)!

    for (const path of paths) expect(await readFile(path, 'utf8'), path).not.toContain('a secret of the run')
    for (const path of [gateway!, files])
      await expect(stat(join(dirname(path), '.dev.vars'))).rejects.toThrow()
    for (const path of workers) {
      const devVars = join(dirname(path), '.dev.vars')
      expect((await stat(devVars)).mode & 0o777).toBe(0o600)
      // The auth service's own setting goes to its worker alone.
      const staff = path.includes('pitstop-auth') ? `STAFF_ACCOUNTS="manager:o'neil@x.example:p#w"\n` : ''
      expect(await readFile(devVars, 'utf8')).toBe(
        `AUTH_SECRET='a secret of the run, with = and +/'\n${staff}`,
      )
    }
  })
})

describe('the bundles npm run dev:edge serves', () => {
  it('are each worker bundled once, served as they are, and replaced when bundled again only if they changed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pitstop-edge-bundles-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const [gateway] = await writeWorkerConfigs(dir, { STREAM_PREFIX: 'edge-test' })

    const [served] = await bundleForDev([gateway!])
    const config = JSON.parse(await readFile(served!, 'utf8')) as WrittenConfig & {
      main: string
      no_bundle: boolean
    }
    expect(config).toMatchObject({ name: 'pitstop-gateway', no_bundle: true, keep_names: false })
    expect(config.vars).toMatchObject({ STREAM_PREFIX: 'edge-test' })
    const bundle = await readFile(config.main, 'utf8')
    expect(bundle).toContain('does not run here')
    const configWritten = (await stat(served!)).mtimeMs

    // The same sources: the bundle stays as it is, since wrangler restarts every worker for each change.
    const first = await stat(config.main)
    await bundleForDev([gateway!])
    expect((await stat(config.main)).ino).toBe(first.ino)
    // A bundle that differs from what the sources give (they changed since): replaced by a new file.
    await writeFile(config.main, `${bundle}\n// from older sources\n`)
    await bundleForDev([gateway!])
    expect(await readFile(config.main, 'utf8')).toBe(bundle)
    expect((await stat(config.main)).ino).not.toBe(first.ino)
    // Its configuration, which would restart every worker, untouched throughout.
    expect((await stat(served!)).mtimeMs).toBe(configWritten)
  })
})
