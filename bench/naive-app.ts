import { serve } from '@hono/node-server'
import { vValidator } from '@hono/valibot-validator'
import { createClient } from '@libsql/client'
import { drizzle } from 'drizzle-orm/libsql'
import { Hono } from 'hono'
import { jwt, type JwtVariables } from 'hono/jwt'
import { Redis } from 'ioredis'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { RegisterCustomerBody } from '../shared/contracts/index.ts'
import { customers } from '../workers/customers/schema.ts'

// The baseline the Node host is compared with: customer registration as one would write it without an
// outbox. Each request commits its own transaction (no group commit), then appends the event to the
// stream itself (the "dual write": a crash between the two loses the event, a failed XADD after the
// commit answers 500 for a stored customer). Same durability as the host's default (WAL, FULL), and
// the same body contract and table, so the comparison measures the write path. The same protection
// too, as its authors would write it: Hono's JWT middleware verifying an HS256 bearer token signed with
// JWT_SECRET, and the role the host asks for (mechanic or manager).
// `node --import tsx bench/naive-app.ts` with PORT, DATA_DIR, REDIS_URL, STREAM_PREFIX and JWT_SECRET.
const secret = process.env.JWT_SECRET
if (!secret) throw new Error('JWT_SECRET must be set')
const port = Number(process.env.PORT ?? 8080)
const dataDir = process.env.DATA_DIR ?? '.data-naive'
const stream = `${process.env.STREAM_PREFIX ?? 'naive'}.customers`

mkdirSync(dataDir, { recursive: true })
const client = createClient({ url: `file:${join(dataDir, 'customers.db')}` })
await client.execute('PRAGMA journal_mode = WAL')
await client.execute('PRAGMA synchronous = FULL')
await client.execute(`CREATE TABLE IF NOT EXISTS customers (
  customer_id TEXT PRIMARY KEY, name TEXT NOT NULL, address TEXT NOT NULL, postal_code TEXT NOT NULL,
  city TEXT NOT NULL, telephone_number TEXT NOT NULL, email_address TEXT NOT NULL)`)
const db = drizzle(client)
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')

const app = new Hono<{ Variables: JwtVariables<{ role: string }> }>()
  .get('/health', (c) => c.text('ok'))
  .use('/api/*', jwt({ secret, alg: 'HS256' }))
  .post('/api/customers', vValidator('json', RegisterCustomerBody), async (c) => {
    if (!['mechanic', 'manager'].includes(c.get('jwtPayload').role)) return c.text('Forbidden', 403)
    const body = c.req.valid('json')
    const customer = { ...body, customerId: body.customerId ?? crypto.randomUUID() }
    await db.insert(customers).values(customer)
    await redis.xadd(stream, '*', 'type', 'CustomerRegistered', 'data', JSON.stringify(customer))
    return c.json(customer, 201)
  })

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' })
