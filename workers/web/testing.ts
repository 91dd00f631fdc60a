import { SESSION_COOKIE } from '../../shared/auth/access.ts'
import type { TestHost } from '../../shared/host/node/test-host.ts'

/** Every page of the menu, and the customer's. */
export const pages = [
  '/workshop',
  '/repairs',
  '/customers',
  '/vehicles',
  '/support',
  '/parts',
  '/insights',
  '/console',
  '/portal',
]

/** The session cookie a response sets: its value and attributes, or undefined when it sets none. */
export const sessionCookieOf = (response: Response) =>
  response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`))

/**
 * A browser as far as HTTP goes: it keeps the session cookie it is given, follows no redirect, and
 * sends no bearer token, so the web app sees exactly what a browser would send.
 *
 * @example
 * const manager = visitor(host)
 * await manager.signIn('manager@pitstop.local')
 * const html = await (await manager.get('/customers')).text()
 */
export function visitor(host: TestHost) {
  let session: string | undefined
  async function send(path: string, init: RequestInit = {}) {
    const headers = new Headers(init.headers)
    if (session) headers.set('cookie', `${SESSION_COOKIE}=${session}`)
    const response = await fetch(`${host.url}${path}`, { ...init, headers, redirect: 'manual' })
    const cookie = sessionCookieOf(response)
    if (cookie) session = cookie.slice(SESSION_COOKIE.length + 1).split(';')[0] || undefined
    return response
  }
  const post = (path: string, values: Record<string, string>) =>
    send(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(values).toString(),
    })
  return {
    get: (path: string) => send(path),
    post,
    get session() {
      return session
    },
    /** Signs in through the form, as staff do; throws unless it was let in. */
    async signIn(email: string, password = 'pitstop') {
      const response = await post('/sign-in', { email, password })
      if (response.status !== 303 || !session)
        throw new Error(`${email} was not signed in: ${response.status}`)
      return response
    },
  }
}
export type Visitor = ReturnType<typeof visitor>

/** A session token as a script gets one: `POST /api/auth/login`. */
export async function apiToken(host: TestHost, email: string, password = 'pitstop') {
  const response = await fetch(`${host.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  if (!response.ok) throw new Error(`${email} could not log in: ${response.status}`)
  return ((await response.json()) as { token: string }).token
}
