import { spawn } from 'node:child_process'
import { watch } from 'node:fs'
import { stripVTControlCharacters } from 'node:util'
import { join, resolve } from 'node:path'
import { serviceNames } from '../../workers/registry.ts'
import { openDatabase } from '../../shared/db/database.ts'
import { createLogger } from '../../shared/logger.ts'
import { configOrExit, randomSecretNotice } from '../../shared/host/config.ts'
import { startLibsqlDevServer } from '../libsql-dev-server/server.ts'
import { ensureRedis } from '../../shared/host/node/redis-server.ts'
import { startUpstashBridge } from '../upstash-bridge/server.ts'
import { bundleForDev, root, writeWorkerConfigs } from './edge-workers.ts'
import { demoAccountsNotice } from '../../workers/auth/staff-accounts.ts'

// `npm run dev:edge`: the whole system under `wrangler dev`, configured like the Node host (PORT,
// DATA_DIR, REDIS_URL, STREAM_PREFIX, ...): Redis (started under DATA_DIR when none answers), the
// libSQL dev server over DATA_DIR's database files, and the gateway plus every service worker on PORT.
// EDGE_BUS=upstash puts the workers' bus on Upstash's REST API, through the local bridge to Redis.
const config = configOrExit(process.env)
const logger = createLogger(config.logLevel, { host: 'wrangler-dev' })
const dataDir = resolve(config.dataDir)

const stopRedis = await ensureRedis(config.redisUrl, dataDir, logger).catch((error: Error) => {
  logger.fatal(error.message)
  process.exit(1)
})
const libsql = await startLibsqlDevServer({ dataDir, port: Number(process.env.LIBSQL_PORT ?? 0) })
// Applied over HTTP, as a deployment applies them to sqld or Turso before the workers start.
for (const name of serviceNames) (await openDatabase(name, libsql.databaseUrl(name))).client.close()

const bridge =
  process.env.EDGE_BUS === 'upstash'
    ? await startUpstashBridge({ redisUrl: config.redisUrl, port: 0, token: 'dev-token' })
    : undefined

if (config.authSecretGenerated) logger.warn(randomSecretNotice)
// The auth worker seeds its accounts at the first sign-in, where nobody reads its log: said here.
if (!config.production && !config.settings.auth?.STAFF_ACCOUNTS) logger.warn(demoAccountsNotice)
// Every worker verifies tokens itself, so all get the one secret (made up for this run when unset).
const secrets: Record<string, string> = {
  AUTH_SECRET: config.authKeys.current,
  ...(config.authKeys.previous ? { AUTH_SECRET_PREVIOUS: config.authKeys.previous } : {}),
  ...(config.settings.auth?.STAFF_ACCOUNTS
    ? { STAFF_ACCOUNTS: String(config.settings.auth.STAFF_ACCOUNTS) }
    : {}),
}
const vars: Record<string, string> = {
  // Over the auth worker's own `production`, which keeps a deployment from seeding the demo accounts.
  NODE_ENV: process.env.NODE_ENV ?? 'development',
  STREAM_PREFIX: config.streamPrefix,
  REDIS_URL: config.redisUrl,
  LOG_LEVEL: config.logLevel,
  CLAIM_IDLE_MS: String(config.claimIdleMs),
  MAX_DELIVERIES: String(config.maxDeliveries),
  MAX_BODY_BYTES: String(config.http.maxBodyBytes),
  CORS_ORIGINS: config.corsOrigins.join(','),
  STREAM_KEEP: String(config.streamKeep),
  CLOCK: config.clock,
  ...Object.fromEntries(
    serviceNames.map((name) => [`LIBSQL_URL_${name.toUpperCase()}`, libsql.databaseUrl(name)]),
  ),
  // Each service's own settings, as this environment gave them (or their defaults); one left unset stays so.
  ...Object.fromEntries(
    Object.values(config.settings).flatMap((settings) =>
      Object.entries(settings).flatMap(([name, value]) =>
        value === undefined || name in secrets ? [] : [[name, String(value)]],
      ),
    ),
  ),
  // Poll pacing on workerd has no Node host equivalent; passed on when set.
  ...Object.fromEntries(
    ['POLL_BUDGET_MS', 'POLL_INTERVAL_MS'].flatMap((name) =>
      process.env[name] ? [[name, process.env[name]!]] : [],
    ),
  ),
  ...(bridge ? { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: 'dev-token' } : {}),
}
const configs = await bundled(await writeWorkerConfigs(join(dataDir, 'wrangler'), vars, secrets))
// wrangler's and Miniflare's own chatter, off: no telemetry (nor its notice), no banner and with it no
// update check against the npm registry, no fetch of `Request.cf` from Cloudflare (which fails offline
// with a stack trace; a placeholder serves locally).
const quietWrangler = {
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
}
const wrangler = spawn(
  join(root, 'node_modules/.bin/wrangler'),
  [
    'dev',
    ...configs.flatMap((config) => ['-c', config]),
    ...['--ip', '127.0.0.1', '--port', String(config.port)],
    ...['--persist-to', join(dataDir, 'wrangler')],
    '--show-interactive-dev-session=false',
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, ...quietWrangler } },
)
logger.info(
  { port: config.port, libsql: libsql.url, bus: bridge ? 'upstash' : 'redis' },
  'starting wrangler dev',
)

/**
 * The workers bundled before wrangler starts, and again whenever a source file changes (tests aside),
 * one bundling at a time: wrangler reloads each worker when its bundle is replaced.
 */
async function bundled(configs: string[]): Promise<string[]> {
  const bundle = async () => {
    const started = performance.now()
    const served = await bundleForDev(configs)
    logger.info({ ms: Math.round(performance.now() - started) }, 'workers bundled')
    return served
  }
  const served = await bundle().catch((error: Error) => {
    logger.fatal({ reason: failure(error) }, 'the workers cannot be bundled')
    process.exit(1)
  })
  let bundling: Promise<unknown> | undefined
  let again = false
  const rebundle = () => {
    if (bundling) return void (again = true)
    bundling = bundle()
      .catch((error: Error) =>
        logger.error(
          { reason: failure(error) },
          'the workers cannot be bundled; still serving the last bundles',
        ),
      )
      .finally(() => {
        bundling = undefined
        if (again) ((again = false), rebundle())
      })
  }
  for (const dir of ['shared', 'workers'])
    watch(join(root, dir), { recursive: true }, (_, file) => {
      if (file && /\.tsx?$/.test(file) && !/\.test\.tsx?$/.test(file)) rebundle()
    })
  return served
}

/** What wrangler said of a failed bundling (esbuild's error, where in the source), without its colours. */
const failure = (error: Error & { stderr?: string }) =>
  stripVTControlCharacters(error.stderr || error.message)

async function stopAll(code: number) {
  await libsql.close()
  await bridge?.close()
  await stopRedis()
  process.exit(code)
}
wrangler.on('exit', (code) => void stopAll(code ?? 0))
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => wrangler.kill(signal))
