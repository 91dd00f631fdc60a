import * as v from 'valibot'
import type { Bus } from '../../bus/bus.ts'
import { createRedisBus } from '../../bus/redis-bus.ts'
import { createUpstashBus } from '../../bus/upstash-bus.ts'
import type { ServiceName } from '../../service.ts'
import { CorsOrigins, LogLevel, parseEnvironment, Positive, StreamPrefix, TimeZone } from '../config.ts'

const WorkerEnvironment = v.object({
  /** Redis over TCP (ioredis with nodejs_compat), one connection per invocation. */
  REDIS_URL: v.optional(v.pipe(v.string(), v.url())),
  /** When set, the bus goes over Upstash's REST API instead (HTTP-only deployments). */
  UPSTASH_REDIS_REST_URL: v.optional(v.pipe(v.string(), v.url())),
  UPSTASH_REDIS_REST_TOKEN: v.optional(v.string()),
  LIBSQL_AUTH_TOKEN: v.optional(v.string()),
  STREAM_PREFIX: v.optional(StreamPrefix, 'pitstop'),
  WORKSTATIONS: v.optional(Positive, '3'),
  MAX_BODY_BYTES: v.optional(Positive, '1048576'),
  WORKSHOP_TZ: v.optional(TimeZone, 'UTC'),
  LOG_LEVEL: v.optional(LogLevel, 'info'),
  CLAIM_IDLE_MS: v.optional(Positive, '30000'),
  MAX_DELIVERIES: v.optional(Positive, '5'),
  STREAM_KEEP: v.optional(Positive, '1000'),
  /** How long one `scheduled` or alarm invocation may keep consuming. */
  POLL_BUDGET_MS: v.optional(Positive, '5000'),
  /** How soon the consumer alarm fires again after a pass. */
  POLL_INTERVAL_MS: v.optional(Positive, '1000'),
})

export type WorkerConfig = v.InferOutput<typeof WorkerEnvironment> & {
  libsqlUrl: string
  openBus(name: string): Bus
}

/**
 * Reads a service worker's bindings once per invocation; a missing or bad one fails with a message
 * naming it. The service's database is `LIBSQL_URL_<SERVICE>`, as on the Node host.
 */
export function parseWorkerEnv(service: ServiceName, env: Record<string, unknown>): WorkerConfig {
  const key = `LIBSQL_URL_${service.toUpperCase()}`
  const e = parseEnvironment(
    v.object({
      ...WorkerEnvironment.entries,
      [key]: v.pipe(v.string(), v.regex(/^(https?|libsql):\/\//, 'must be an http(s) or libsql URL')),
    }),
    env,
  ) as v.InferOutput<typeof WorkerEnvironment> & Record<string, string>
  const upstash = e.UPSTASH_REDIS_REST_URL
  const redisUrl = e.REDIS_URL
  if (!upstash && !redisUrl)
    throw new Error('Invalid configuration:\n  REDIS_URL or UPSTASH_REDIS_REST_URL must be set')
  return {
    ...e,
    libsqlUrl: e[key]!,
    openBus: (name) =>
      upstash
        ? createUpstashBus({ url: upstash, token: e.UPSTASH_REDIS_REST_TOKEN ?? '' })
        : createRedisBus(redisUrl!, name),
  }
}

const GatewayEnvironment = v.object({
  /** Origins whose browser scripts may call the API, separated by commas; unset, CORS is off. */
  CORS_ORIGINS: v.optional(CorsOrigins, ''),
  LOG_LEVEL: v.optional(LogLevel, 'info'),
})

/** Reads the gateway worker's variables; a bad one fails with a message naming it. */
export function parseGatewayEnv(env: Record<string, unknown>): v.InferOutput<typeof GatewayEnvironment> {
  return parseEnvironment(GatewayEnvironment, env)
}

/** A worker deployed without the bindings it needs says which, instead of failing each request obscurely. */
export function misconfigured(error: Error): Response {
  const problem = {
    type: 'about:blank',
    title: 'The worker is misconfigured',
    status: 500,
    detail: error.message,
  }
  return new Response(JSON.stringify(problem), {
    status: 500,
    headers: { 'content-type': 'application/problem+json' },
  })
}
