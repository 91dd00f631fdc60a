import type { Context } from 'hono'
import type { Api } from './api.ts'
import type { Viewer } from './layout.tsx'

/** What every page handler has: the API as its caller, and who that is (none before signing in). */
export type WebEnv = { Variables: { api: Api; viewer: Viewer | undefined; newId: () => string } }
export type WebContext = Context<WebEnv>

/** The signed-in viewer, or a redirect to sign in first (back to this page afterwards). */
export function viewerOr(c: WebContext): Viewer | Response {
  const viewer = c.get('viewer')
  if (viewer) return viewer
  const url = new URL(c.req.url)
  return c.redirect(`/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`, 303)
}

const here = 'http://pitstop.invalid'

/**
 * Where to go after signing in: a path of this site only, never another origin. The path is read as a
 * browser reads a `Location` (which drops tabs and newlines and takes `\` for `/`, so `/\t/evil.example`
 * is `//evil.example`) and sent on as it was read.
 */
export function safeNext(next: string | undefined): string {
  if (!next?.startsWith('/')) return '/'
  try {
    const url = new URL(next, here)
    return url.origin === here ? url.pathname + url.search : '/'
  } catch {
    return '/'
  }
}
