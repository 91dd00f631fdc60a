import type { Problem } from '../../shared/http/problem.ts'

/** How the web app reaches the API: the gateway's own routing, so a page goes where a script would. */
export type ApiCall = (request: Request) => Response | Promise<Response>

/** An answer of the API: its data, or its problem (a service that cannot be reached becomes one too). */
export type Answer<T> =
  | { ok: true; status: number; data: T; headers: Headers }
  | { ok: false; status: number; problem: Problem; unavailable: boolean }

/** The rule a refusal names (`urn:pitstop:rule:max-overlapping-jobs` → `max-overlapping-jobs`). */
export const ruleOf = (problem: Problem) =>
  problem.type.startsWith('urn:pitstop:rule:') ? problem.type.slice('urn:pitstop:rule:'.length) : undefined

/**
 * The API as the signed-in browser would call it: each request carries the page request's cookie (and
 * bearer token, for scripts), so every service decides by the same access tables as for any client.
 *
 * @example
 * const api = apiFor(c.req.raw, call)
 * const customers = await api.get<Customer[]>('/api/customers')
 */
export function apiFor(page: Request, call: ApiCall, session?: string): Api {
  const origin = new URL(page.url).origin
  const credentials = new Headers()
  if (session !== undefined) credentials.set('authorization', `Bearer ${session}`)
  else
    for (const name of ['cookie', 'authorization']) {
      const value = page.headers.get(name)
      if (value !== null) credentials.set(name, value)
    }
  for (const name of ['x-forwarded-proto', 'cf-connecting-ip']) {
    const value = page.headers.get(name)
    if (value !== null) credentials.set(name, value)
  }

  async function send<T>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
    const headers = new Headers(credentials)
    for (const [name, value] of Object.entries(extra)) headers.set(name, value)
    if (body !== undefined) headers.set('content-type', 'application/json')
    const init: RequestInit = { method, headers }
    if (body !== undefined) init.body = JSON.stringify(body)
    let response: Response
    try {
      response = await call(new Request(`${origin}${path}`, init))
    } catch (error) {
      return unreachable<T>(path, (error as Error).message)
    }
    return answerOf<T>(response, path)
  }

  return {
    get: <T>(path: string) => send<T>('GET', path),
    post: <T>(path: string, body?: unknown, headers?: Record<string, string>) =>
      send<T>('POST', path, body, headers),
    put: <T>(path: string, body?: unknown) => send<T>('PUT', path, body),
    /** The same API, with `token` as the session instead of the page's. */
    withSession: (token: string) => apiFor(page, call, token),
  }
}

export interface Api {
  get<T>(path: string): Promise<Answer<T>>
  post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer<T>>
  put<T>(path: string, body?: unknown): Promise<Answer<T>>
  withSession(token: string): Api
}

async function answerOf<T>(response: Response, path: string): Promise<Answer<T>> {
  const { status, headers } = response
  const text = await response.text()
  let body: unknown
  try {
    body = text === '' ? null : JSON.parse(text)
  } catch {
    return unreachable<T>(path, `answered ${status} without JSON`)
  }
  if (response.ok) return { ok: true, status, data: body as T, headers }
  const problem = (body ?? { type: 'about:blank', title: `Status ${status}`, status }) as Problem
  // A service that does not run here, fails or cannot be reached: the page says so and goes on.
  const unavailable = status >= 500 || /does not run here/.test(problem.title)
  return { ok: false, status, problem, unavailable }
}

function unreachable<T>(path: string, detail: string): Answer<T> {
  const service = path.split('/')[2] ?? 'the'
  return {
    ok: false,
    status: 503,
    problem: { type: 'about:blank', title: `The ${service} service cannot be reached`, status: 503, detail },
    unavailable: true,
  }
}
