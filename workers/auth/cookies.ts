import type { Context } from 'hono'
import { deleteCookie, setCookie } from 'hono/cookie'
import type { CookieOptions } from 'hono/utils/cookie'
import { SESSION_COOKIE } from '../../shared/auth/access.ts'
import type { Clock } from '../../shared/clock.ts'

/**
 * Whether the browser reached us over https: the request's own URL, or `X-Forwarded-Proto: https` from
 * a proxy that ends TLS in front of the host. Believing a client that claims it only makes the cookie
 * `Secure`, which costs it nothing.
 */
export function overHttps(c: Context): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true
  const forwarded = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase()
  return forwarded === 'https'
}

/** Where the request was sent, as the browser saw it: its host, and https when it came over https. */
export function requestOrigin(c: Context): string {
  const url = new URL(c.req.url)
  return `${overHttps(c) ? 'https:' : url.protocol}//${url.host}`
}

const cookieOptions = (c: Context): CookieOptions => ({
  path: '/',
  httpOnly: true,
  sameSite: 'Lax',
  secure: overHttps(c),
})

/**
 * The session cookie, living exactly as long as its token: by `Max-Age` alone, since an `Expires` date
 * would follow a manual clock, which browsers do not share.
 */
export function setSessionCookie(c: Context, token: string, expiresAt: Date, clock: Clock): void {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - clock.now().getTime()) / 1000))
  setCookie(c, SESSION_COOKIE, token, { ...cookieOptions(c), maxAge })
}

/** Tells the browser to forget the session cookie. */
export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { ...cookieOptions(c), expires: new Date(0) })
}
