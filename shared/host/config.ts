import * as v from 'valibot'
import type { Synchronous } from '../db/database.ts'
import { serviceNames, type ServiceName } from '../service.ts'

export const Port = v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0), v.maxValue(65535))
export const Positive = v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1))
export const TimeZone = v.pipe(
  v.string(),
  v.check((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz })
      return true
    } catch {
      return false
    }
  }, 'must be an IANA time zone such as Europe/Amsterdam'),
)
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

/** Just an origin (`scheme://host[:port]`, nothing after it), kept as browsers send it in `Origin`. */
const Origin = v.pipe(
  v.string(),
  v.check(
    (text) => {
      if (!URL.canParse(text)) return false
      const url = new URL(text)
      return url.origin !== 'null' && url.href === `${url.origin}/`
    },
    (issue) =>
      `must list origins such as https://garage.example (scheme, host and port only), separated by commas; ${JSON.stringify(issue.input)} is not one`,
  ),
  v.transform((text) => new URL(text).origin),
)
/** `CORS_ORIGINS`: origins separated by commas; empty is none. */
export const CorsOrigins = v.pipe(
  v.string(),
  v.transform((s) =>
    s
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  ),
  v.array(Origin),
)

export const StreamPrefix = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]+$/))
export const LogLevel = v.picklist(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
const SynchronousMode = v.picklist(['full', 'normal'] satisfies Synchronous[], 'must be full or normal')

const Environment = v.object({
  PORT: v.optional(Port, '8080'),
  DATA_DIR: v.optional(v.pipe(v.string(), v.nonEmpty()), '.data'),
  REDIS_URL: v.optional(v.pipe(v.string(), v.url()), 'redis://127.0.0.1:6379'),
  STREAM_PREFIX: v.optional(StreamPrefix, 'pitstop'),
  SERVICES: v.optional(Services, serviceNames.join(',')),
  WORKSTATIONS: v.optional(Positive, '3'),
  MAX_BODY_BYTES: v.optional(Positive, '1048576'),
  CORS_ORIGINS: v.optional(CorsOrigins, ''),
  REQUEST_TIMEOUT_MS: v.optional(Positive, '30000'),
  WORKSHOP_TZ: v.optional(TimeZone, 'UTC'),
  LOG_LEVEL: v.optional(LogLevel, 'info'),
  CLAIM_IDLE_MS: v.optional(Positive, '30000'),
  MAX_DELIVERIES: v.optional(Positive, '5'),
  STREAM_KEEP: v.optional(Positive, '1000'),
  SHUTDOWN_TIMEOUT_MS: v.optional(Positive, '10000'),
  LIBSQL_AUTH_TOKEN: v.optional(v.string()),
  DB_SYNCHRONOUS: v.optional(SynchronousMode, 'full'),
})

export interface HostConfig {
  port: number
  dataDir: string
  redisUrl: string
  streamPrefix: string
  services: ServiceName[]
  workstations: number
  maxBodyBytes: number
  /** Origins whose browser scripts may call the API; empty, CORS is off. */
  corsOrigins: string[]
  /** How long a client may take to send a whole request before its connection is closed. */
  requestTimeoutMs: number
  timeZone: string
  logLevel: string
  claimIdleMs: number
  maxDeliveries: number
  /** Entries a stream keeps beyond those some group has not acknowledged. */
  streamKeep: number
  shutdownTimeoutMs: number
  /** `LIBSQL_URL_<SERVICE>` when set, else a file under the data directory. */
  databaseUrls: Partial<Record<ServiceName, string>>
  /** For libSQL servers that want one (Turso); a URL may also carry its own `?authToken=`. */
  databaseAuthToken: string | undefined
  /** How embedded database files sync: `full` (a 2xx survives a power cut) or the opt-in `normal`. */
  synchronous: Synchronous
}

/** Reads the environment once; a bad value stops the host with a message naming the variable. */
export function parseConfig(env: Record<string, string | undefined>): HostConfig {
  const e = parseEnvironment(Environment, env)
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
    workstations: e.WORKSTATIONS,
    maxBodyBytes: e.MAX_BODY_BYTES,
    corsOrigins: [...new Set(e.CORS_ORIGINS)],
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    timeZone: e.WORKSHOP_TZ,
    logLevel: e.LOG_LEVEL,
    claimIdleMs: e.CLAIM_IDLE_MS,
    maxDeliveries: e.MAX_DELIVERIES,
    streamKeep: e.STREAM_KEEP,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    databaseUrls,
    databaseAuthToken: e.LIBSQL_AUTH_TOKEN,
    synchronous: e.DB_SYNCHRONOUS,
  }
}

/** Validates environment variables against `schema`, or throws one error naming every bad variable. */
export function parseEnvironment<TSchema extends v.GenericSchema>(
  schema: TSchema,
  env: Record<string, unknown>,
): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, env)
  if (result.success) return result.output
  const problems = result.issues.map((i) => `${v.getDotPath(i)}: ${i.message}`).join('\n  ')
  throw new Error(`Invalid configuration:\n  ${problems}`)
}

/** For entry points: the configuration, or the problems on stderr and exit code 1. */
export function configOrExit(env: Record<string, string | undefined>): HostConfig {
  try {
    return parseConfig(env)
  } catch (error) {
    console.error((error as Error).message)
    process.exit(1)
  }
}
