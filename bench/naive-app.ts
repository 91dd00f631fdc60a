import { serve } from '@hono/node-server'
import { vValidator } from '@hono/valibot-validator'
import { createClient } from '@libsql/client'
import { drizzle } from 'drizzle-orm/libsql'
import { Hono } from 'hono'
import { Redis } from 'ioredis'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { RegisterCustomerBody } from '../shared/contracts/index.ts'
import { customers } from '../workers/customers/schema.ts'

// The baseline the Node host is compared with: customer registration as one would write it without an
// outbox. Each request commits its own transaction (no group commit), then appends the event to the
// stream itself (the "dual write": a crash between the two loses the event, a failed XADD after the
// commit answers 500 for a stored customer). Same durability as the host's default (WAL, FULL), and
// the same body contract and table, so the comparison measures the write path.
// `node --import tsx bench/naive-app.ts` with PORT, DATA_DIR, REDIS_URL and STREAM_PREFIX.
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

const app = new Hono()
  .get('/health', (c) => c.text('ok'))
  .post('/api/customers', vValidator('json', RegisterCustomerBody), async (c) => {
    const body = c.req.valid('json')
    const customer = { ...body, customerId: body.customerId ?? crypto.randomUUID() }
    await db.insert(customers).values(customer)
    await redis.xadd(stream, '*', 'type', 'CustomerRegistered', 'data', JSON.stringify(customer))
    return c.json(customer, 201)
  })

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' })
