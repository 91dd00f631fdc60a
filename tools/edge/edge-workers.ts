import { execFile } from 'node:child_process'
import { chmod, copyFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { parse } from 'smol-toml'
import { bindingName, workerName } from '../../shared/host/workerd/gateway-env.ts'
import type { ServiceDefinition } from '../../shared/service.ts'
import { services } from '../../workers/registry.ts'
import { assetFiles } from '../../workers/web/assets.ts'

export const root = new URL('../../', import.meta.url).pathname

/**
 * The workers of the edge deployment: the gateway first (it serves the public port), then one per
 * service of the registry, each configured in its own folder (`workers/<service>/wrangler.toml`).
 */
export const edgeWorkers = [
  { name: 'pitstop-gateway', config: 'wrangler.toml' },
  ...services.map(({ name }) => ({ name: workerName(name), config: `workers/${name}/wrangler.toml` })),
]

/**
 * The worker of the web app's files: static assets and no script, bound to the gateway as `WEB_ASSETS`.
 * Not the gateway's own assets: a worker with static assets is reached through the platform's asset
 * router, which under `wrangler dev` made two more workers' hops of every API request.
 */
export const webAssetsWorker = { name: 'pitstop-web-assets', binding: 'WEB_ASSETS' }

export interface BuiltWorker {
  name: string
  script: string
  bytes: number
  gzipBytes: number
}

/**
 * Writes each worker's configuration as it is deployed, as `dir/<worker>/wrangler.json`: its
 * wrangler.toml with `main` made absolute and `vars` merged in, and the gateway bound to every service's
 * worker (`CUSTOMERS` → `pitstop-customers`, …) and told their names (`SERVICES`), so a service added to
 * the registry is routed without editing the gateway's, and bound to the worker of the web app's files
 * (`webAssetsWorker`). `secrets` go to each service worker's `.dev.vars` beside it, readable by the owner
 * alone: wrangler shows a secret as "(hidden)" where it prints every variable.
 * @returns the config paths in the order of `edgeWorkers` (gateway first), then the web app's files.
 */
export async function writeWorkerConfigs(
  dir: string,
  vars: Record<string, string> = {},
  secrets: Record<string, string> = {},
): Promise<string[]> {
  const bindings = services.map((s) => ({ binding: bindingName(s.name), service: workerName(s.name) }))
  // The services' variables, less those named like one of the gateway's bindings: `CLOCK` is the
  // services' clock mode and the gateway's binding to the clock service, and a worker's names are unique.
  const gatewayVars = Object.fromEntries(
    Object.entries(vars).filter(([key]) => !bindings.some(({ binding }) => binding === key)),
  )
  const scripts = await Promise.all(
    edgeWorkers.map(async ({ name, config }) => {
      const path = resolve(root, config)
      const parsed = parse(await readFile(path, 'utf8')) as { main: string; vars?: Record<string, string> }
      const gateway = config === 'wrangler.toml'
      const written = {
        ...parsed,
        main: resolve(dirname(path), parsed.main),
        // esbuild's keepNames wraps every function the code makes, each request's closures too, in a
        // call that renames it: 3% of a worker's CPU. Nothing here needs the names of bundled code.
        keep_names: false,
        vars: {
          ...parsed.vars,
          ...(gateway ? gatewayVars : vars),
          ...(gateway && { SERVICES: services.map((s) => s.name).join(',') }),
        },
        ...(gateway && {
          services: [...bindings, { binding: webAssetsWorker.binding, service: webAssetsWorker.name }],
        }),
      }
      const workerDir = join(dir, name)
      await mkdir(workerDir, { recursive: true })
      const writtenPath = join(workerDir, 'wrangler.json')
      await writeFile(writtenPath, JSON.stringify(written, null, 2))
      const own = gateway
        ? {}
        : secretsOf(
            secrets,
            services.find((s) => workerName(s.name) === name)!,
          )
      if (Object.keys(own).length > 0) {
        const path = join(workerDir, '.dev.vars')
        await writeFile(path, devVars(own), { mode: 0o600 })
        await chmod(path, 0o600)
      }
      return writtenPath
    }),
  )
  return [...scripts, await writeWebAssetsConfig(dir)]
}

/** The configuration of the worker of the web app's files, dated as the gateway is. */
async function writeWebAssetsConfig(dir: string): Promise<string> {
  const gateway = parse(await readFile(resolve(root, 'wrangler.toml'), 'utf8')) as {
    compatibility_date: string
  }
  const workerDir = join(dir, webAssetsWorker.name)
  const path = join(workerDir, 'wrangler.json')
  const config = {
    name: webAssetsWorker.name,
    compatibility_date: gateway.compatibility_date,
    assets: { directory: await copyAssets(join(workerDir, 'public')) },
  }
  await writeFile(path, JSON.stringify(config, null, 2))
  return path
}

/**
 * The web app's files, copied where the worker of static assets serves them from, at the paths the
 * pages load them (`/assets/...`).
 * @returns the directory.
 */
async function copyAssets(publicDir: string): Promise<string> {
  for (const [path, { file }] of Object.entries(assetFiles)) {
    const target = join(publicDir, path)
    await mkdir(dirname(target), { recursive: true })
    await copyFile(resolve(root, file), target)
  }
  return publicDir
}

/** The secrets a service's worker gets: the host's, and of the services' own settings only its own. */
function secretsOf(secrets: Record<string, string>, service: ServiceDefinition): Record<string, string> {
  const ownedElsewhere = (key: string) =>
    services.some((s) => s !== service && s.settings?.entries[key] !== undefined)
  return Object.fromEntries(Object.entries(secrets).filter(([key]) => !ownedElsewhere(key)))
}

/**
 * `KEY='value'` lines as wrangler reads `.dev.vars` (dotenv): single quotes keep a value as it is, double
 * quotes one holding a single quote. dotenv cannot carry a value with both quotes and a backslash.
 */
const devVars = (secrets: Record<string, string>) =>
  Object.entries(secrets)
    .map(([key, value]) => {
      if (!value.includes("'")) return `${key}='${value}'\n`
      if (/["\\]/.test(value))
        throw new Error(
          `${key} holds both kinds of quotes or a backslash, which a .dev.vars file cannot keep`,
        )
      return `${key}="${value}"\n`
    })
    .join('')

/**
 * Bundles every worker as `wrangler deploy --dry-run` would upload it, into `outDir/<name>/`.
 *
 * @example
 * const built = await buildEdgeWorkers('dist/edge')
 */
export async function buildEdgeWorkers(outDir: string): Promise<BuiltWorker[]> {
  const configs = await writeWorkerConfigs(join(outDir, 'configs'))
  return Promise.all(
    edgeWorkers.map(async ({ name }, i) => {
      const script = await bundleWorker(configs[i]!, join(outDir, name))
      const code = await readFile(script)
      return { name, script, bytes: code.length, gzipBytes: gzipSync(code).length }
    }),
  )
}

/**
 * Each worker of `configs` (as `writeWorkerConfigs` wrote them) bundled as it is deployed, and a
 * configuration beside its own that serves the bundle as it is (`no_bundle`): `wrangler dev` then runs
 * no bundler of its own, whose watch mode polls every source file of every worker. Called again, it
 * replaces each bundle that changed by a rename, which `wrangler dev` notices and reloads.
 * @returns the configurations to serve, in the order of `configs`.
 */
export async function bundleForDev(configs: string[]): Promise<string[]> {
  return Promise.all(
    configs.map(async (config) => {
      // Static assets alone (the web app's files): nothing to bundle.
      if (!(JSON.parse(await readFile(config, 'utf8')) as { main?: string }).main) return config
      const dir = dirname(config)
      const built = await bundleWorker(config, join(dir, 'bundling'))
      const script = join(dir, 'bundle', basename(built))
      await mkdir(dirname(script), { recursive: true })
      // Only a bundle that changed is replaced: wrangler restarts every worker for each file it sees change.
      const [fresh, serving] = await Promise.all([readFile(built), readFile(script).catch(() => undefined)])
      if (!serving?.equals(fresh)) {
        await rename(`${built}.map`, `${script}.map`).catch(() => {})
        await rename(built, script)
      }
      const served = join(dir, 'wrangler.bundled.json')
      const content = JSON.stringify({
        ...JSON.parse(await readFile(config, 'utf8')),
        main: script,
        no_bundle: true,
      })
      // Written once: wrangler restarts every worker when a configuration changes.
      if ((await readFile(served, 'utf8').catch(() => '')) !== content) await writeFile(served, content)
      return served
    }),
  )
}

/** Bundles the worker of `config` into `outDir` as `wrangler deploy --dry-run` does; returns the script's path. */
async function bundleWorker(config: string, outDir: string): Promise<string> {
  await promisify(execFile)(
    join(root, 'node_modules/.bin/wrangler'),
    ['deploy', '--dry-run', '--outdir', outDir, '-c', config],
    { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  )
  // wrangler names the bundle after the entry file.
  return join(
    outDir,
    (await readdir(outDir)).find((file) => file.endsWith('.js'))!,
  )
}
