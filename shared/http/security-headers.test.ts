import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { securityHeaders } from './security-headers.ts'

const app = new Hono()
  .use(securityHeaders())
  .get('/page', (c) => c.html('<!doctype html><title>Page</title>'))
  .get('/data', (c) => c.json({ ok: true }))
  .get('/nothing', (c) => c.body(null, 204))

const everyAnswer = [
  [
    'content-security-policy',
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  ],
  ['x-frame-options', 'DENY'],
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
  ['strict-transport-security', 'max-age=15552000; includeSubDomains'],
  ['cross-origin-resource-policy', 'same-origin'],
] as const
const documentOnly = [
  ['cross-origin-opener-policy', 'same-origin'],
  ['origin-agent-cluster', '?1'],
  ['x-dns-prefetch-control', 'off'],
  ['x-download-options', 'noopen'],
  ['x-permitted-cross-domain-policies', 'none'],
  ['x-xss-protection', '0'],
] as const

describe('security headers', () => {
  it.each(['/page', '/data', '/nothing'])('go on every answer: %s', async (path) => {
    const { headers } = await app.request(path)
    for (const [name, value] of everyAnswer) expect(headers.get(name), name).toBe(value)
  })

  it('include, on an HTML answer, those only a document heeds', async () => {
    const { headers } = await app.request('/page')
    for (const [name, value] of documentOnly) expect(headers.get(name), name).toBe(value)
  })

  it.each(['/data', '/nothing'])('leave those out of an answer that is no document: %s', async (path) => {
    const { headers } = await app.request(path)
    for (const [name] of documentOnly) expect(headers.get(name), name).toBeNull()
  })
})
