import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNodeHost, type Runtime } from './node-host.ts'

/**
 * Writes `head` on a raw connection, then nothing more, and resolves with what the host answered and
 * how long it kept the connection open.
 */
function stallAfter(url: string, head: string): Promise<{ answer: string; openMs: number }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const started = Date.now()
    let answer = ''
    const socket = connect(Number(port), hostname, () => socket.write(head))
    socket.on('data', (chunk) => (answer += chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve({ answer, openMs: Date.now() - started }))
  })
}

describe.each<Runtime>(['node', 'deno'])('the host under %s', (runtime) => {
  let host: Awaited<ReturnType<typeof startNodeHost>>
  beforeAll(async () => {
    host = await startNodeHost(
      { SERVICES: 'customers', REQUEST_TIMEOUT_MS: '1000', CORS_ORIGINS: 'https://garage.example' },
      { runtime },
    )
  }, 120_000)
  afterAll(() => host?.cleanup())

  it('cuts off a client that sends its headers but not the whole body, with 408, after REQUEST_TIMEOUT_MS', async () => {
    const { answer, openMs } = await stallAfter(
      host.url,
      `POST /api/customers HTTP/1.1\r\nhost: pitstop\r\nauthorization: ${host.authorization()}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"name":`,
    )
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(openMs).toBeGreaterThanOrEqual(900)
    expect(openMs).toBeLessThan(5_000)
  })

  it('cuts off a client that never finishes its headers', async () => {
    const { answer, openMs } = await stallAfter(host.url, 'GET /health HTTP/1.1\r\nhost: pitstop\r\nx-slow: ')
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(openMs).toBeLessThan(5_000)
  })

  it.each([
    ['GET', '/nope', 404, null],
    ['GET', '/favicon.ico', 404, null],
    ['POST', '/health', 405, 'GET HEAD'],
    ['DELETE', '/api/customers', 405, 'GET HEAD POST'],
  ])(
    'answers %s %s with %i problem+json, a request id and the security headers',
    async (method, path, status, allow) => {
      const response = await fetch(`${host.url}${path}`, { method })
      expect(response.status).toBe(status)
      expect(response.headers.get('content-type')).toBe('application/problem+json')
      expect(await response.json()).toMatchObject({ type: 'about:blank', status, instance: path })
      expect(response.headers.get('allow')?.split(', ').sort().join(' ') ?? null).toBe(allow)
      expect(response.headers.get('x-request-id')).toBeTruthy()
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('x-frame-options')).toBe('DENY')
    },
  )

  it('answers a preflight from an origin in CORS_ORIGINS, and none from another', async () => {
    const preflight = (origin: string) =>
      fetch(`${host.url}/api/customers`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      })
    const allowed = await preflight('https://garage.example')
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://garage.example')
    const other = await preflight('https://evil.example')
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })
})
