import * as v from 'valibot'
import type { Bus } from '../../bus/bus.ts'
import { createRedisBus } from '../../bus/redis-bus.ts'
import { createUpstashBus } from '../../bus/upstash-bus.ts'
import { databaseUrlProblem } from '../../db/database.ts'
import {
  ClockMode,
  LogLevel,
  Positive,
  refuseManualClockInProduction,
  StreamPrefix,
} from '../../environment.ts'
import type { ServiceDefinition } from '../../service.ts'
import type { TokenKeys } from '../../auth/tokens.ts'
import { AuthEnvironment, tokenKeys } from '../auth-keys.ts'
import { parseWithServiceSettings } from '../environment.ts'

const WorkerEnvironment = v.object({
  /** Redis over TCP (ioredis with nodejs_compat), one connection per invocation. */
  REDIS_URL: v.optional(v.pipe(v.string(), v.url())),
  /** When set, the bus goes over Upstash's REST API instead (HTTP-only deployments). */
  UPSTASH_REDIS_REST_URL: v.optional(v.pipe(v.string(), v.url())),
  UPSTASH_REDIS_REST_TOKEN: v.optional(v.string()),
  LIBSQL_AUTH_TOKEN: v.optional(v.string()),
  STREAM_PREFIX: v.optional(StreamPrefix, 'pitstop'),
  MAX_BODY_BYTES: v.optional(Positive, '1048576'),
  LOG_LEVEL: v.optional(LogLevel, 'info'),
  CLAIM_IDLE_MS: v.optional(Positive, '30000'),
  MAX_DELIVERIES: v.optional(Positive, '5'),
  STREAM_KEEP: v.optional(Positive, '1000'),
  /** How long one `scheduled` or alarm invocation may keep consuming. */
  POLL_BUDGET_MS: v.optional(Positive, '5000'),
  /** How soon the consumer alarm fires again after a pass. */
  POLL_INTERVAL_MS: v.optional(Positive, '1000'),
  ...AuthEnvironment,
  /** `manual`: time stands still until the clock worker moves it (refused with NODE_ENV=production). */
  CLOCK: ClockMode,
})

export type WorkerConfig = v.InferOutput<typeof WorkerEnvironment> & {
  libsqlUrl: string
  /** The service's own settings, parsed by its schema. */
  settings: Record<string, unknown>
  /** Every worker verifies tokens itself, so all must share `AUTH_SECRET`: none is made up here. */
  authKeys: TokenKeys
  /** A bus that connects at its first command, so one a request may not need costs nothing. */
  openBus(name: string): Bus
}

/**
 * Reads a service worker's bindings once per invocation, with the service's own settings; a missing or
 * bad one fails with a message naming it. The service's database is `LIBSQL_URL_<SERVICE>`, as on the
 * Node host.
 */
export function parseWorkerEnv(definition: ServiceDefinition, env: Record<string, unknown>): WorkerConfig {
  const key = `LIBSQL_URL_${definition.name.toUpperCase()}`
  const workerEnvironment = v.object({
    ...WorkerEnvironment.entries,
    [key]: v.pipe(
      v.string(),
      v.regex(/^(https?|libsql):\/\//, 'must be an http(s) or libsql URL'),
      v.check(
        (url) => databaseUrlProblem(url) === undefined,
        (issue) => `${databaseUrlProblem(String(issue.input))}`,
      ),
    ),
  })
  const { host, settings } = parseWithServiceSettings(workerEnvironment, [definition], env)
  const e = host as v.InferOutput<typeof WorkerEnvironment> & Record<string, string>
  refuseManualClockInProduction(e.CLOCK, env)
  const upstash = e.UPSTASH_REDIS_REST_URL
  const redisUrl = e.REDIS_URL
  if (!upstash && !redisUrl)
    throw new Error('Invalid configuration:\n  REDIS_URL or UPSTASH_REDIS_REST_URL must be set')
  return {
    ...e,
    libsqlUrl: e[key]!,
    authKeys: tokenKeys(e, { required: true }).keys,
    settings: settings[definition.name] ?? {},
    openBus: (name) =>
      upstash
        ? createUpstashBus({ url: upstash, token: e.UPSTASH_REDIS_REST_TOKEN ?? '' })
        : createRedisBus(redisUrl!, name, { lazy: true }),
  }
}
