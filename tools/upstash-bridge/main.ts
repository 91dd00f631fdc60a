import * as v from 'valibot'
import { Port } from '../../shared/environment.ts'
import { createLogger } from '../../shared/logger.ts'
import { startUpstashBridge } from './server.ts'

// The local Upstash bridge: `node --import tsx tools/upstash-bridge/main.ts`, then point UPSTASH_REDIS_REST_URL
// at it to run the HTTP-only adapters (workerd, Deno) against the Redis on this machine.
const Environment = v.object({
  REDIS_URL: v.optional(v.pipe(v.string(), v.url()), 'redis://127.0.0.1:6379'),
  UPSTASH_BRIDGE_PORT: v.optional(Port, '8079'),
  UPSTASH_TOKEN: v.optional(v.pipe(v.string(), v.nonEmpty()), 'dev-token'),
})

const env = (() => {
  const parsed = v.safeParse(Environment, process.env)
  if (parsed.success) return parsed.output
  for (const issue of parsed.issues) console.error(`${v.getDotPath(issue)}: ${issue.message}`)
  process.exit(1)
})()
const logger = createLogger('info', { host: 'upstash-bridge' })

const bridge = await startUpstashBridge({
  redisUrl: env.REDIS_URL,
  port: env.UPSTASH_BRIDGE_PORT,
  token: env.UPSTASH_TOKEN,
})
logger.info(`Upstash bridge listening on ${bridge.url}`)

async function shutdown(signal: string) {
  logger.info({ signal }, 'shutting down')
  await bridge.close()
  process.exit(0)
}
process.once('SIGTERM', () => void shutdown('SIGTERM'))
process.once('SIGINT', () => void shutdown('SIGINT'))
