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

/** Where to go after signing in: a path of this site only, never another origin. */
export const safeNext = (next: string | undefined) =>
  next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/'
