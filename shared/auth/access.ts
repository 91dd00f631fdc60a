import type { Context, MiddlewareHandler } from 'hono'
import { TrieRouter } from 'hono/router/trie-router'
import { parse } from 'hono/utils/cookie'
import { Forbidden, NotFound, Unauthenticated } from '../errors.ts'
import type { AppEnv } from '../http/app-env.ts'
import { methodNotAllowedProblem, notFound } from '../http/problem.ts'
import { actorOf, staffRoles, type Principal, type Role } from './principal.ts'
import type { TokenProblem, Tokens, Verified } from './tokens.ts'

/**
 * Who may call an endpoint: `anyone` (no credentials), or roles. `customer` means a customer for their
 * own data only: their own `{customerId}` in the path, or what the handler narrows to them
 * (`customerScope`).
 */
export type Caller = 'anyone' | Role

/**
 * Who may call each endpoint of a service, keyed as the index page lists them: `METHOD /path/{param}`,
 * with `?query={value}` where a query is required. One table per service, beside its routes; the
 * kernel's `accessControl` enforces it, and the access tests are generated from it.
 */
export type AccessTable = Readonly<Record<string, readonly Caller[]>>

export const anyStaff: readonly Role[] = staffRoles
export const mechanicOrManager: readonly Role[] = ['mechanic', 'manager']
export const managerOnly: readonly Role[] = ['manager']

/** The cookie a browser session travels in; API clients send the same token as `Authorization: Bearer`. */
export const SESSION_COOKIE = 'pitstop_session'

/** `GET /api/customers/:customerId` for the table's `GET /api/customers/{customerId}?…`. */
export function routeOf(endpoint: string): { method: string; path: string } {
  const [method, target] = endpoint.split(' ') as [string, string]
  return { method, path: target.split('?')[0]!.replace(/\{(\w+)\}/g, ':$1') }
}

const unauthenticated: Record<TokenProblem | 'missing', string> = {
  missing: 'Sign in first: send the session cookie or an Authorization: Bearer token',
  malformed: 'The token is not one this system issues',
  tampered: 'The token is not signed by this system',
  expired: 'The session has expired; sign in again',
  revoked: 'The session has ended; sign in again',
}

/** The token a request carries: `Authorization: Bearer …` first, else the session cookie. */
function tokenIn(headers: Headers): string | undefined {
  const authorization = headers.get('authorization')
  if (authorization !== null) return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? ''
  const cookie = headers.get('cookie')
  return cookie === null ? undefined : parse(cookie, SESSION_COOKIE)[SESSION_COOKIE]
}

/** The token the request carries, verified; undefined when it carries none. */
const verifiedIn = async (request: Request, tokens: Tokens): Promise<Verified | undefined> => {
  const token = tokenIn(request.headers)
  return token === undefined ? undefined : tokens.verify(token)
}

/** Who sent the request, when it carries a token that verifies; for what is open but says more to some. */
export async function callerOf(request: Request, tokens: Tokens): Promise<Principal | undefined> {
  const verified = await verifiedIn(request, tokens)
  return verified?.ok ? verified.principal : undefined
}

/**
 * Enforces a service's access table on every request: 401 for a missing, malformed, tampered, expired
 * or revoked token; 403 for a role the endpoint's row does not name, or a customer asking for another
 * customer's `{customerId}`. Sets `principal` and `actor` for the handlers. No handler runs for an
 * endpoint the table does not name, so a route missing from it is closed, not open: a path the table
 * has, asked with another method, is 405 (with `Allow` from the table) to anyone; a path it does not
 * have needs credentials too, and then is 404.
 *
 * @example
 * createApp(deps, access) // installs it
 */
export function accessControl(table: AccessTable, tokens: Tokens): MiddlewareHandler<AppEnv> {
  const router = new TrieRouter<readonly Caller[]>()
  const methodsByPath = new Map<string, Set<string>>()
  for (const [endpoint, callers] of Object.entries(table)) {
    const { method, path } = routeOf(endpoint)
    router.add(method, path, callers)
    const methods = methodsByPath.get(path) ?? new Set()
    methods.add(method)
    if (method === 'GET') methods.add('HEAD')
    methodsByPath.set(path, methods)
  }
  const paths = new TrieRouter<Set<string>>()
  for (const [path, methods] of methodsByPath) paths.add('ALL', path, methods)
  /** The methods the table names for the request's path; none for a path it does not have. */
  const allowed = (path: string) => [
    ...new Set(paths.match('ALL', path)[0].flatMap(([methods]) => [...methods])),
  ]
  return async function accessControl(c, next) {
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method
    const [match] = router.match(method, c.req.path)[0]
    const callers = match?.[0]
    const verified = await verifiedIn(c.req.raw, tokens)
    const principal = verified?.ok ? verified.principal : undefined
    if (principal) {
      c.set('principal', principal)
      c.set('actor', actorOf(principal))
    }
    if (callers?.includes('anyone')) return next()
    if (!callers) {
      const methods = allowed(c.req.path)
      if (methods.length > 0) return methodNotAllowedProblem(c, methods)
    }
    if (!principal) {
      const reason = verified && !verified.ok ? verified.problem : 'missing'
      const challenge = reason === 'missing' ? 'Bearer' : 'Bearer error="invalid_token"'
      throw new Unauthenticated(unauthenticated[reason], 'unauthenticated', challenge)
    }
    if (!callers) return notFound(c)
    if (!callers.includes(principal.role))
      throw new Forbidden(`A ${principal.role} may not ${method} ${c.req.path}`)
    const customerId = match[1].customerId
    if (
      principal.role === 'customer' &&
      customerId !== undefined &&
      decoded(String(customerId)) !== principal.customerId
    )
      throw new Forbidden('A customer may only see their own data')
    return next()
  }
}

const decoded = (segment: string) => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/**
 * The customer a request is limited to (a customer's own id), or undefined for staff, who see all. A
 * handler serving a list or an item owned through another (a vehicle, a job) narrows or checks with it.
 */
export const customerScope = (c: Context<AppEnv>): string | undefined => {
  const principal: Principal | undefined = c.get('principal')
  return principal?.role === 'customer' ? principal.customerId : undefined
}

/**
 * The item a request asked for, or its refusal: 404 when there is none; to a customer, 403 when another
 * customer owns it, and 403 too when there is none, so a customer cannot learn what others have.
 *
 * @example
 * return c.json(ownedItem(c, await find(licenseNumber), (v) => v.ownerId, `No vehicle ${licenseNumber}`))
 */
export function ownedItem<T>(
  c: Context<AppEnv>,
  item: T | undefined,
  ownerOf: (item: T) => string,
  missing: string,
): T {
  const scope = customerScope(c)
  if (scope !== undefined && (item === undefined || ownerOf(item) !== scope))
    throw new Forbidden('A customer may only see their own data')
  if (item === undefined) throw new NotFound(missing)
  return item
}
