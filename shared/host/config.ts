import * as v from 'valibot'
import type { Synchronous } from '../db/database.ts'
import {
  ClockMode,
  CorsOrigins,
  LogLevel,
  Port,
  Positive,
  refuseManualClockInProduction,
  StreamPrefix,
} from '../environment.ts'
import type { HttpSettings } from '../http/create-app.ts'
import { serviceNames, services } from '../../workers/registry.ts'
import type { TokenKeys } from '../auth/tokens.ts'
import { AuthEnvironment, tokenKeys } from './auth-keys.ts'
import { parseWithServiceSettings } from './environment.ts'

const Services = v.pipe(
  v.string(),
  v.transform((s) =>
    s
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  ),
  v.array(v.picklist(serviceNames, `must list services among ${serviceNames.join(', ')}`)),
  v.minLength(1, 'must name at least one service'),
)

const SynchronousMode = v.picklist(['full', 'normal'] satisfies Synchronous[], 'must be full or normal')

const Environment = v.object({
  PORT: v.optional(Port, '8080'),
  DATA_DIR: v.optional(v.pipe(v.string(), v.nonEmpty()), '.data'),
  REDIS_URL: v.optional(v.pipe(v.string(), v.url()), 'redis://127.0.0.1:6379'),
  STREAM_PREFIX: v.optional(StreamPrefix, 'pitstop'),
  SERVICES: v.optional(Services, serviceNames.join(',')),
  MAX_BODY_BYTES: v.optional(Positive, '1048576'),
  CORS_ORIGINS: v.optional(CorsOrigins, ''),
  REQUEST_TIMEOUT_MS: v.optional(Positive, '30000'),
  LOG_LEVEL: v.optional(LogLevel, 'info'),
  CLAIM_IDLE_MS: v.optional(Positive, '30000'),
  MAX_DELIVERIES: v.optional(Positive, '5'),
  STREAM_KEEP: v.optional(Positive, '1000'),
  SHUTDOWN_TIMEOUT_MS: v.optional(Positive, '10000'),
  LIBSQL_AUTH_TOKEN: v.optional(v.string()),
  DB_SYNCHRONOUS: v.optional(SynchronousMode, 'full'),
  ...AuthEnvironment,
  CLOCK: ClockMode,
})

export interface HostConfig {
  port: number
  dataDir: string
  redisUrl: string
  streamPrefix: string
  services: string[]
  http: HttpSettings
  /** Each service's own settings (`WORKSTATIONS`, …), by service name. */
  settings: Record<string, Record<string, unknown>>
  /** Origins whose browser scripts may call the API; empty, CORS is off. */
  corsOrigins: string[]
  /** How long a client may take to send a whole request before its connection is closed. */
  requestTimeoutMs: number
  logLevel: string
  claimIdleMs: number
  maxDeliveries: number
  /** Entries a stream keeps beyond those some group has not acknowledged. */
  streamKeep: number
  shutdownTimeoutMs: number
  /** `LIBSQL_URL_<SERVICE>` when set, else a file under the data directory. */
  databaseUrls: Record<string, string>
  /** For libSQL servers that want one (Turso); a URL may also carry its own `?authToken=`. */
  databaseAuthToken: string | undefined
  /** How embedded database files sync: `full` (a 2xx survives a power cut) or the opt-in `normal`. */
  synchronous: Synchronous
  /** `NODE_ENV=production`: no demo accounts, no manual clock, no secret made up at start. */
  production: boolean
  /** `AUTH_SECRET` (and `AUTH_SECRET_PREVIOUS`), or a random secret for this run outside production. */
  authKeys: TokenKeys
  /** Whether `authKeys` were made up at start, which the host says. */
  authSecretGenerated: boolean
  /** The clock of every service: the system's, or `manual` (refused in production). */
  clock: ClockMode
}

/**
 * Reads the environment once, the host's variables and every service's settings together; a bad value
 * stops the host with a message naming the variable.
 */
export function parseConfig(env: Record<string, string | undefined>): HostConfig {
  const { host: e, settings } = parseWithServiceSettings(Environment, services, env)
  const { keys, generated } = tokenKeys(e)
  refuseManualClockInProduction(e.CLOCK, env)
  const databaseUrls: HostConfig['databaseUrls'] = {}
  for (const name of serviceNames) {
    const url = env[`LIBSQL_URL_${name.toUpperCase()}`]
    if (url) databaseUrls[name] = url
  }
  return {
    port: e.PORT,
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL,
    streamPrefix: e.STREAM_PREFIX,
    services: [...new Set(e.SERVICES)],
    http: { maxBodyBytes: e.MAX_BODY_BYTES },
    settings,
    corsOrigins: [...new Set(e.CORS_ORIGINS)],
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    claimIdleMs: e.CLAIM_IDLE_MS,
    maxDeliveries: e.MAX_DELIVERIES,
    streamKeep: e.STREAM_KEEP,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    databaseUrls,
    databaseAuthToken: e.LIBSQL_AUTH_TOKEN,
    synchronous: e.DB_SYNCHRONOUS,
    production: e.NODE_ENV === 'production',
    authKeys: keys,
    authSecretGenerated: generated,
    clock: e.CLOCK,
  }
}

/** What a host says when it signs with a secret made up at start. */
export const randomSecretNotice =
  'AUTH_SECRET is not set: tokens are signed with a random secret for this run, so every session ends when it stops, and no other process can verify them. Set AUTH_SECRET (openssl rand -base64 32) to keep sessions across restarts and processes.'

/** For entry points: the configuration, or the problems on stderr and exit code 1. */
export function configOrExit(env: Record<string, string | undefined>): HostConfig {
  try {
    return parseConfig(env)
  } catch (error) {
    console.error((error as Error).message)
    process.exit(1)
  }
}
