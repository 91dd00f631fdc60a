import { Agent, request } from 'node:http'

/**
 * A lean HTTP/1.1 client over keep-alive connections, for measuring latency. `fetch` (undici) spends
 * several times the CPU per request; on a 2-core machine that CPU is taken from the system under test,
 * and the client's own delays are added to every latency it measures.
 *
 * @example
 * const send = httpClient('http://127.0.0.1:8080')
 * const status = await send('POST', '/api/customers', JSON.stringify(customer))
 * @returns a function sending one request and resolving with its status once the body has been read.
 */
export function httpClient(url: string) {
  const agent = new Agent({ keepAlive: true })
  const { hostname, port } = new URL(url)
  const send = (method: string, path: string, body: string | undefined, retried: boolean) =>
    new Promise<number>((resolve, reject) => {
      const headers = body === undefined ? {} : { 'content-type': 'application/json' }
      const req = request({ agent, hostname, port, method, path, headers }, (res) => {
        res.on('error', reject)
        res.on('end', () => resolve(res.statusCode!))
        res.resume()
      })
      req.on('error', (error: NodeJS.ErrnoException) => {
        // A server closes a keep-alive connection it found idle (the host after 5 s); a request sent on
        // it as it closes is reset without being read, and is sent again once on a new connection.
        // The requests sent here are safe to repeat (reads, and creates with their id).
        if (req.reusedSocket && error.code === 'ECONNRESET' && !retried)
          send(method, path, body, true).then(resolve, reject)
        else reject(error)
      })
      req.end(body)
    })
  return (method: string, path: string, body?: string) => send(method, path, body, false)
}
