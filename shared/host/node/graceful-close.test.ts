import { createServer, request, Agent, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
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

  it('closes the connection of a client that never lets go of it, once its answer is whole', async () => {
    // Headers sent before close cannot ask the client to close (Node would then end the connection
    // itself), so only gracefulClose ends this keep-alive connection; server.close() would wait for it.
    let answer: () => void = () => {}
    const server = await listen((_req, res) => {
      res.writeHead(200, { 'content-length': '16' })
      res.write('first half, ')
      answer = () => res.end('rest')
    })
    const close = gracefulClose(server)
    const { port } = server.address() as AddressInfo
    // Half-open allowed, so the client socket does not end its side when the server ends its own.
    const client = connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    let received = ''
    client.setEncoding('latin1').on('data', (chunk) => (received += chunk))
    const endedByServer = new Promise<void>((resolve) => client.once('end', resolve))
    client.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n')
    await expect.poll(() => received).toContain('first half, ')

    const closed = close()
    answer()
    await closed
    await endedByServer
    const [head = '', body] = received.split('\r\n\r\n')
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(head.toLowerCase()).toContain('\r\nconnection: keep-alive')
    expect(body).toBe('first half, rest')
    expect(await connections(server)).toBe(0)
    client.destroy()
  })

  it('closes while fetch clients keep sending on their connections; every request received is answered in full', async () => {
    let received = 0
    let answered = 0
    let startClosing: () => void = () => {}
    const closeTime = new Promise<void>((resolve) => (startClosing = resolve))
    const server = await listen((_req, res) => {
      received++
      res.once('finish', () => answered++)
      // Answering a little later, and closing as a request arrives, keeps requests in flight at close.
      setTimeout(() => res.end('ok'), 2)
      if (received === 40) startClosing()
    })
    const close = gracefulClose(server)
    const { port } = server.address() as AddressInfo
    // A client stops at its first failure, which comes once the server has closed.
    const clients = Array.from({ length: 4 }, async () => {
      for (;;) {
        const response = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined)
        if ((await response?.text().catch(() => undefined)) === undefined) return
      }
    })
    await closeTime

    await close()
    expect(await connections(server)).toBe(0)
    expect(answered).toBe(received)
    await Promise.all(clients)
  })

  it('ends event streams, which never end by themselves, also one whose headers go out after the close began', async () => {
    let startLate: () => void = () => {}
    const server = await listen((req, res) => {
      const stream = () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write(': open\n\n')
      }
      if (req.url === '/late') startLate = stream
      else stream()
    })
    const close = gracefulClose(server)
    const { port } = server.address() as AddressInfo
    // Cut mid-chunk, or ended (a response that had to say `Connection: close` is delimited by the close):
    // either way the client hears it is over, and reconnects.
    const over = (path: string) =>
      fetch(`http://127.0.0.1:${port}${path}`)
        .then((response) => response.text())
        .then(
          () => 'over',
          () => 'over',
        )
    const early = over('/early')
    const late = over('/late')
    await expect.poll(() => connections(server)).toBe(2)

    const closed = close()
    startLate()
    await closed

    expect(await early).toBe('over')
    expect(await late).toBe('over')
    expect(await connections(server)).toBe(0)
  })
})
