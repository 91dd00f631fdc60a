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
  assets?: { directory: string; run_worker_first?: string[] }
}

describe('the worker configs npm run dev:edge and deploy:edge write', () => {
  it('give every service worker the variables, and the gateway those not named like its bindings (CLOCK)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pitstop-edge-configs-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))

    const paths = await writeWorkerConfigs(dir, { CLOCK: 'manual', STREAM_PREFIX: 'edge-test' })
    const [gateway, ...workers] = await Promise.all(
      paths.map(async (path) => JSON.parse(await readFile(path, 'utf8')) as WrittenConfig),
    )

    expect(gateway!.services?.map((s) => s.binding)).toEqual(serviceNames.map((n) => n.toUpperCase()))
    expect(gateway!.vars).toMatchObject({ STREAM_PREFIX: 'edge-test', SERVICES: serviceNames.join(',') })
    expect(gateway!.vars).not.toHaveProperty('CLOCK')
    // The web app's files, where the platform serves them from.
    const assets = gateway!.assets!.directory
    expect(await readFile(join(assets, 'assets/app.css'), 'utf8')).toContain(':root')
    expect((await stat(join(assets, 'assets/htmx.min.js'))).size).toBeGreaterThan(10_000)
    // The API goes to the worker without a look among them first.
    expect(gateway!.assets!.run_worker_first).toEqual(['/api/*'])
    for (const worker of workers) {
      expect(worker.vars, worker.name).toMatchObject({ CLOCK: 'manual', STREAM_PREFIX: 'edge-test' })
      expect(worker.triggers?.crons, worker.name).toEqual(['* * * * *'])
    }
  })

  it("keep secrets out of the configs wrangler prints: each service worker's .dev.vars, for its owner only", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pitstop-edge-configs-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const secrets = {
      AUTH_SECRET: 'a secret of the run, with = and +/',
      STAFF_ACCOUNTS: "manager:o'neil@x.example:p#w",
    }

    const [gateway, ...workers] = await writeWorkerConfigs(dir, { STREAM_PREFIX: 'edge-test' }, secrets)

    for (const path of [gateway!, ...workers])
      expect(await readFile(path, 'utf8'), path).not.toContain('a secret of the run')
    await expect(stat(join(dirname(gateway!), '.dev.vars'))).rejects.toThrow()
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
