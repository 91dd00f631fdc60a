import { execFile } from 'node:child_process'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { parse } from 'smol-toml'

export const root = new URL('../../../', import.meta.url).pathname

/** The workers of the edge deployment, gateway first (it serves the public port). */
export const edgeWorkers = [
  { name: 'pitstop-gateway', config: 'wrangler.toml' },
  { name: 'pitstop-customers', config: 'workers/customers/wrangler.toml' },
  { name: 'pitstop-vehicles', config: 'workers/vehicles/wrangler.toml' },
  { name: 'pitstop-workshop', config: 'workers/workshop/wrangler.toml' },
] as const

export interface BuiltWorker {
  name: string
  script: string
  bytes: number
  gzipBytes: number
}

/**
 * Bundles every worker as `wrangler deploy --dry-run` would upload it, into `outDir/<name>/`.
 *
 * @example
 * const built = await buildEdgeWorkers('dist/edge')
 */
export async function buildEdgeWorkers(outDir: string): Promise<BuiltWorker[]> {
  return Promise.all(
    edgeWorkers.map(async ({ name, config }) => {
      const dir = join(outDir, name)
      await promisify(execFile)(
        join(root, 'node_modules/.bin/wrangler'),
        ['deploy', '--dry-run', '--outdir', dir, '-c', config],
        { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
      )
      // wrangler names the bundle after the entry file.
      const script = join(
        dir,
        (await readdir(dir)).find((file) => file.endsWith('.js'))!,
      )
      const code = await readFile(script)
      return { name, script, bytes: code.length, gzipBytes: gzipSync(code).length }
    }),
  )
}

/**
 * Writes each worker's configuration with `vars` merged in, as JSON configs under `dir`, for one
 * `wrangler dev` run: a multi-config session hands `--var` and `--env-file` to its first worker only.
 * @returns the config paths, gateway first.
 */
export async function writeDevConfigs(dir: string, vars: Record<string, string>): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  return Promise.all(
    edgeWorkers.map(async ({ name, config }) => {
      const path = resolve(root, config)
      const parsed = parse(await readFile(path, 'utf8')) as { main: string; vars?: Record<string, string> }
      const devConfig = {
        ...parsed,
        main: resolve(dirname(path), parsed.main),
        vars: { ...parsed.vars, ...vars },
      }
      const devPath = join(dir, `${name}.json`)
      await writeFile(devPath, JSON.stringify(devConfig, null, 2))
      return devPath
    }),
  )
}
