import autocannon from 'autocannon'
import { percentile } from './effect-latency.ts'
import { httpClient } from './http-client.ts'
import type { Target } from './sign-in.ts'

export interface LoadResult {
  perSecond: number
  p50: number
  p99: number
  non2xx: number
}

export interface Request {
  method: 'GET' | 'POST'
  path: string
  body?: string
}

/**
 * `connections` clients sending `next()` to `target` (with its headers) back to back for `seconds`: 2xx
 * answers per second and their latency percentiles (whole milliseconds, as autocannon records them).
 */
export async function load(target: Target, connections: number, seconds: number, next: () => Request) {
  const result = await autocannon({
    url: target.url,
    connections,
    duration: seconds,
    headers: { ...target.headers, 'content-type': 'application/json' },
    requests: [{ setupRequest: (request: object) => ({ ...request, ...next() }) }],
  })
  return {
    perSecond: result['2xx'] / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
  }
}

/**
 * One client sending `next()` back to back for `seconds`, timed to the microsecond: at one connection
 * the latency is a millisecond or two, which autocannon's whole milliseconds would blur. Errors count
 * with the non-2xx answers, as autocannon counts them.
 */
export async function oneConnection(
  target: Target,
  seconds: number,
  next: () => Request,
): Promise<LoadResult> {
  const send = httpClient(target)
  const latencies: number[] = []
  let non2xx = 0
  const end = performance.now() + seconds * 1000
  while (performance.now() < end) {
    const { method, path, body } = next()
    const started = performance.now()
    const status = await send(method, path, body).catch(() => 0)
    if (status >= 200 && status < 300) latencies.push(performance.now() - started)
    else non2xx++
  }
  const sorted = latencies.sort((a, b) => a - b)
  return {
    perSecond: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    non2xx,
  }
}
