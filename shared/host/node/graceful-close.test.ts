import { createServer, request, Agent, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { gracefulClose } from './graceful-close.ts'

const agent = new Agent({ keepAlive: true })
afterEach(() => agent.destroy())

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  // Long keep-alive, so a close that waited for idle connections would hang past the test's timeout.
  const server = createServer({ keepAliveTimeout: 60_000 }, handler)
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

function get(server: Server): Promise<{ status: number; connection: string | undefined; body: string }> {
  const { port } = server.address() as AddressInfo
  return new Promise((resolve, reject) => {
    request({ port, host: '127.0.0.1', agent }, (res) => {
      let body = ''
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }))
    })
      .on('error', reject)
      .end()
  })
}

const connections = (server: Server) =>
  new Promise<number>((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))))

describe('gracefulClose', () => {
  it('does not wait for idle keep-alive connections', async () => {
    const server = await listen((_req, res) => res.end('ok'))
    const close = gracefulClose(server)
    expect((await get(server)).connection).toBe('keep-alive')
    expect(await connections(server)).toBe(1)

    await close()
    expect(await connections(server)).toBe(0)
  })

  it('answers a request in flight in full, asking the client to close the connection', async () => {
    let answer: () => void = () => {}
    const server = await listen((_req, res) => {
      answer = () => res.end('done')
    })
    const close = gracefulClose(server)
    const response = get(server)
    await expect.poll(() => connections(server)).toBe(1)

    const closed = close()
    answer()
    expect(await response).toEqual({ status: 200, connection: 'close', body: 'done' })
    await closed
    expect(await connections(server)).toBe(0)
  })

  it('closes while fetch clients keep sending on their connections; every answer they got is whole', async () => {
    const server = await listen((_req, res) => setTimeout(() => res.end('ok'), 1))
    const close = gracefulClose(server)
    const { port } = server.address() as AddressInfo
    const answers: string[] = []
    let closed = false
    const clients = Array.from({ length: 4 }, async () => {
      while (!closed) {
        const body = await fetch(`http://127.0.0.1:${port}/`).then(
          (r) => r.text(),
          () => undefined,
        )
        if (body === undefined) return
        answers.push(body)
      }
    })
    await expect.poll(() => answers.length).toBeGreaterThan(20)

    await close()
    expect(await connections(server)).toBe(0)
    closed = true
    await Promise.all(clients)
    expect(answers.every((a) => a === 'ok')).toBe(true)
  })
})
