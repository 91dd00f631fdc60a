import { Agent, request } from 'node:http'
import type { Target } from './sign-in.ts'

/**
 * A lean HTTP/1.1 client over keep-alive connections, for measuring latency. `fetch` (undici) spends
 * several times the CPU per request; on a 2-core machine that CPU is taken from the system under test,
 * and the client's own delays are added to every latency it measures. Every request carries the
 * target's headers.
 *
 * @example
 * const send = httpClient(await signIn('http://127.0.0.1:8080'))
 * const status = await send('POST', '/api/customers', JSON.stringify(customer))
 * @returns a function sending one request and resolving with its status once the body has been read.
 */
export function httpClient({ url, headers: common = {} }: Target) {
  const agent = new Agent({ keepAlive: true })
  const { hostname, port } = new URL(url)
  return (method: string, path: string, body?: string) =>
    new Promise<number>((resolve, reject) => {
      const headers = body === undefined ? common : { ...common, 'content-type': 'application/json' }
      const req = request({ agent, hostname, port, method, path, headers }, (res) => {
        res.on('error', reject)
        res.on('end', () => resolve(res.statusCode!))
        res.resume()
      })
      req.on('error', reject)
      req.end(body)
    })
}
