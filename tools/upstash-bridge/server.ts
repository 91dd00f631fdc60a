import { serve } from '@hono/node-server'
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { timingSafeEqual } from 'hono/utils/buffer'
import { Redis, ReplyError } from 'ioredis'
import type { AddressInfo } from 'node:net'

type Command = [name: string, ...args: string[]]
type Json = string | number | null | Json[]
type Reply = { result: Json } | { error: string }

// Every request shares one connection: a command that blocks it or changes its state would stall or leak
// into all the others. Upstash itself offers transactions only as /multi-exec.
const REFUSED = new Set([
  ...'BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP BZPOPMIN BZPOPMAX BZMPOP WAIT WAITAOF'.split(' '),
  ...'MULTI EXEC DISCARD WATCH UNWATCH SELECT MONITOR QUIT RESET HELLO'.split(' '),
  ...'SUBSCRIBE PSUBSCRIBE SSUBSCRIBE UNSUBSCRIBE PUNSUBSCRIBE SUNSUBSCRIBE'.split(' '),
])
const OK = Buffer.from('OK')

const badRequest = (message: string) => new HTTPException(400, { message })

/**
 * Validates one command from a request. Names are upper-cased: ioredis reshapes some replies (HGETALL
 * into an object...) by lower-case name only, and the bridge must answer Redis's own shapes.
 */
function toCommand(value: unknown): Command {
  const isArg = (arg: unknown) => ['string', 'number', 'boolean'].includes(typeof arg)
  if (!Array.isArray(value) || value.length === 0 || !value.every(isArg))
    throw badRequest('ERR a command is a non-empty JSON array of strings and numbers')
  const [name, ...args] = value.map(String) as Command
  const upper = name.toUpperCase()
  if (REFUSED.has(upper))
    throw badRequest(`ERR ${upper} would block or change the bridge's shared connection`)
  return [upper, ...(upper === 'XREAD' || upper === 'XREADGROUP' ? withoutBlock(args) : args)]
}

/** Drops `BLOCK <ms>` (before STREAMS, where stream names begin): the read answers at once, like on the edge. */
function withoutBlock(args: string[]): string[] {
  const streams = args.findIndex((arg) => arg.toUpperCase() === 'STREAMS')
  const block = args.findIndex((arg, i) => arg.toUpperCase() === 'BLOCK' && (streams === -1 || i < streams))
  return block === -1 ? args : args.toSpliced(block, 2)
}

function toJson(reply: unknown, base64: boolean): Json {
  if (Buffer.isBuffer(reply)) return reply.toString(base64 ? 'base64' : 'utf8')
  if (Array.isArray(reply)) return reply.map((item) => toJson(item, base64))
  return reply as number | null
}

// Upstash leaves the OK status readable even in base64 mode, and its client relies on that.
const toReply = (reply: unknown, base64: boolean): Reply => ({
  result: Buffer.isBuffer(reply) && reply.equals(OK) ? 'OK' : toJson(reply, base64),
})
const toError = (error: unknown): Reply => ({ error: error instanceof Error ? error.message : String(error) })

const wantsBase64 = (c: Context) => c.req.header('Upstash-Encoding')?.toLowerCase() === 'base64'

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json()
  } catch {
    throw badRequest('ERR the request body is not JSON')
  }
}

async function commandList(c: Context): Promise<unknown[]> {
  const body = await jsonBody(c)
  if (!Array.isArray(body)) throw badRequest('ERR the request body must be a JSON array of commands')
  return body
}

/** Accepts `Authorization: Bearer <token>` or `?_token=<token>`, like Upstash. */
function upstashAuth(token: string): MiddlewareHandler {
  if (!token) throw new Error('the Upstash bridge needs a token')
  return async function upstashAuth(c, next) {
    const given = c.req.header('Authorization')?.replace(/^Bearer /, '') ?? c.req.query('_token')
    if (given === undefined || !(await timingSafeEqual(given, token)))
      throw new HTTPException(401, { message: 'WRONGPASS invalid or missing auth token' })
    await next()
  }
}

/**
 * The Upstash REST API in front of a real Redis: `POST /` (one command as a JSON array), `/pipeline`,
 * `/multi-exec`, and path-style commands (`GET /get/key`) for curl.
 *
 * @example
 * const app = createUpstashBridge({ redis: new Redis(url, { protocol: 2 }), token: 'dev-token' })
 * await app.request('/', { method: 'POST', headers, body: JSON.stringify(['PING']) }) // {"result":"PONG"}
 */
export function createUpstashBridge({ redis, token }: { redis: Redis; token: string }): Hono {
  const run = (command: Command) => redis.callBuffer(...command)
  const app = new Hono()
  app.use(upstashAuth(token))

  app.post('/', async (c) => c.json(toReply(await run(toCommand(await jsonBody(c))), wantsBase64(c))))

  // Not atomic, as on Upstash: other requests' commands may run in between.
  app.post('/pipeline', async (c) => {
    const commands = await commandList(c)
    const settled = await Promise.allSettled(commands.map(async (command) => run(toCommand(command))))
    const base64 = wantsBase64(c)
    return c.json(
      settled.map((s) => (s.status === 'fulfilled' ? toReply(s.value, base64) : toError(s.reason))),
    )
  })

  app.post('/multi-exec', async (c) => {
    const commands = (await commandList(c)).map(toCommand)
    const transaction = redis.multi()
    for (const command of commands) transaction.callBuffer(...command)
    let replies: [Error | null, unknown][]
    try {
      replies = (await transaction.exec()) ?? []
    } catch (error) {
      // EXECABORT alone does not say which command was refused; its previous errors do.
      const causes = (error as { previousErrors?: Error[] }).previousErrors ?? []
      throw badRequest([error as Error, ...causes].map((e) => e.message).join(' '))
    }
    const base64 = wantsBase64(c)
    return c.json(replies.map(([error, reply]) => (error ? toError(error) : toReply(reply, base64))))
  })

  app.on(['GET', 'POST'], '/*', async (c) => {
    const url = new URL(c.req.url)
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
    // A POST body is the value, appended after the path; query parameters (`?EX=100`) follow it.
    const body = c.req.method === 'POST' ? await c.req.text() : ''
    const options = [...url.searchParams].filter(([name]) => name !== '_token').flat()
    const command = toCommand([...segments, ...(body ? [body] : []), ...options])
    return c.json(toReply(await run(command), wantsBase64(c)))
  })

  app.onError((error, c) => {
    if (error instanceof HTTPException) return c.json({ error: error.message }, error.status)
    // Redis refused the command: Upstash answers 400 with Redis's own message.
    if (error instanceof ReplyError) return c.json({ error: error.message }, 400)
    return c.json({ error: `ERR ${error.message}` }, 500)
  })
  return app
}

export interface UpstashBridgeOptions {
  redisUrl: string
  /** 0 picks a free port. */
  port: number
  token: string
}

/**
 * Serves the Upstash REST API on 127.0.0.1 over a real Redis, so the Upstash bus (and anything else
 * using @upstash/redis) runs locally and in tests. Blocking reads are not blocking here: `BLOCK` is dropped
 * from XREAD/XREADGROUP and BLPOP & co. are refused, because every request shares one Redis connection.
 *
 * @example
 * const bridge = await startUpstashBridge({ redisUrl: 'redis://127.0.0.1:6379', port: 8079, token: 'dev-token' })
 * const bus = createUpstashBus({ url: bridge.url, token: 'dev-token' })
 * await bridge.close()
 */
export async function startUpstashBridge({ redisUrl, port, token }: UpstashBridgeOptions) {
  // RESP2: Upstash answers in RESP2 shapes (flat field lists, no maps).
  const redis = new Redis(redisUrl, {
    connectionName: 'upstash-bridge',
    protocol: 2,
    maxRetriesPerRequest: 3,
  })
  redis.on('error', () => {}) // reconnects on its own; requests meanwhile answer 500
  const server = serve({ fetch: createUpstashBridge({ redis, token }).fetch, port, hostname: '127.0.0.1' })
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  }).catch((error) => {
    redis.disconnect()
    throw error
  })
  const actualPort = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    /** Stops taking requests, lets those in flight finish, then drops the Redis connection. */
    async close() {
      await new Promise((resolve) => server.close(resolve))
      redis.disconnect()
    },
  }
}
