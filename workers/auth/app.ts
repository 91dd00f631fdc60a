import { and, eq } from 'drizzle-orm'
import type { Context } from 'hono'
import { actorOf, type Principal } from '../../shared/auth/principal.ts'
import * as v from 'valibot'
import { CustomerId, CustomerLinkBody, LoginBody } from '../../shared/contracts/index.ts'
import type { Write } from '../../shared/db/statements.ts'
import { TooManyRequests, Unauthenticated } from '../../shared/errors.ts'
import type { AppEnv } from '../../shared/http/app-env.ts'
import { createApp } from '../../shared/http/create-app.ts'
import { eventMetadata } from '../../shared/http/request-context.ts'
import { validate } from '../../shared/http/validate.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { access } from './access.ts'
import { findAccount } from './accounts.ts'
import { clientAddress, clientKey } from './client-address.ts'
import { clearSessionCookie, requestOrigin, setSessionCookie } from './cookies.ts'
import { hashPassword, verifyNothing, verifyPassword } from './passwords.ts'
import { staffAccounts } from './schema.ts'
import { sessionBook } from './sessions.ts'
import type { AuthSettings } from './settings.ts'
import { startup } from './startup.ts'
import { loginThrottle } from './throttle.ts'

const HOUR_MS = 3_600_000

/** The principal the access table let through: every route but login names signed-in callers only. */
const principalOf = (c: Context<AppEnv>): Principal => c.get('principal')!

export function createAuthApp(deps: ServiceDeps<AuthSettings>) {
  const { db, clock, newId, settings } = deps
  const iterations = settings.PASSWORD_ITERATIONS
  const sessions = sessionBook(deps)
  const throttle = loginThrottle(db, {
    perAccount: settings.LOGIN_MAX_FAILURES,
    perClient: settings.LOGIN_MAX_FAILURES_PER_CLIENT,
    windowMs: settings.LOGIN_FAILURE_WINDOW_MINUTES * 60_000,
  })
  // Brought in step at start (on workerd: before the first sign-in); checked again at each sign-in and
  // sign-out, since Redis may lose its list of ended sessions at any time.
  const { accountsReady, restoreRevocations } = startup(deps, sessions)

  return createApp(deps, access)
    .post('/api/auth/login', validate('json', LoginBody), async (c) => {
      const { email, password } = c.req.valid('json')
      await accountsReady()
      const attempt = { id: newId(), email, client: clientKey(clientAddress(c)), now: clock.now() }
      const admission = await throttle.admit(attempt)
      if (!admission.admitted)
        throw new TooManyRequests('Too many failed sign-ins; try again later', admission.retryAfterSeconds)
      // An unknown e-mail address costs a hash as well, so the answer's time does not tell it apart.
      const account = await findAccount(db, email)
      const checked = account
        ? await verifyPassword(password, account.passwordHash)
        : { ok: await verifyNothing(password, iterations), iterations }
      if (!account || !checked.ok)
        throw new Unauthenticated('The e-mail address or the password is wrong', 'invalid-credentials')

      const writes: Write[] = [throttle.forgive(attempt)]
      if (checked.iterations < iterations) {
        const passwordHash = await hashPassword(password, iterations)
        writes.push(
          db
            .update(staffAccounts)
            .set({ passwordHash, updatedAt: attempt.now.toISOString() })
            .where(and(eq(staffAccounts.email, email), eq(staffAccounts.passwordHash, account.passwordHash))),
        )
      }
      const who = { role: account.role, email }
      const actor = actorOf(who)
      const { token, principal } = await sessions.start(who, settings.STAFF_SESSION_HOURS * HOUR_MS, {
        issuedBy: actor,
        // Whoever the request's own token (if any) named, this session is the one who signed in.
        metadata: { ...eventMetadata(c), actor },
        writes,
      })
      await restoreRevocations()
      setSessionCookie(c, token, principal.expiresAt, clock)
      c.header('cache-control', 'no-store')
      return c.json({ token, expiresAt: principal.expiresAt.toISOString(), role: principal.role, email })
    })
    .post('/api/auth/logout', async (c) => {
      await sessions.end(principalOf(c), 'signed-out', eventMetadata(c))
      await restoreRevocations()
      clearSessionCookie(c)
      return c.body(null, 204)
    })
    .get('/api/auth/me', (c) => {
      const principal = principalOf(c)
      const who =
        principal.role === 'customer'
          ? { role: principal.role, customerId: principal.customerId }
          : { role: principal.role, email: principal.email }
      return c.json({ ...who, expiresAt: principal.expiresAt.toISOString() })
    })
    .post('/api/auth/customer-link', validate('json', CustomerLinkBody), async (c) => {
      const { customerId } = c.req.valid('json')
      // Whether the customer exists is the customers service's to know: a link for nobody opens nothing.
      const { token, principal } = await sessions.start(
        { role: 'customer', customerId },
        settings.CUSTOMER_LINK_DAYS * 24 * HOUR_MS,
        { issuedBy: actorOf(principalOf(c)), metadata: eventMetadata(c) },
      )
      c.header('cache-control', 'no-store')
      const url = `${settings.PUBLIC_URL ?? requestOrigin(c)}/?token=${encodeURIComponent(token)}`
      return c.json({ url, token, expiresAt: principal.expiresAt.toISOString() }, 201)
    })
    .delete(
      '/api/auth/customer-link/:customerId',
      validate('param', v.object({ customerId: CustomerId })),
      async (c) => {
        const { customerId } = c.req.valid('param')
        const who = { role: 'customer' as const, customerId }
        const ended = await sessions.endSessionsOf(who, 'ended-by-staff', eventMetadata(c))
        await restoreRevocations()
        return c.json({ ended })
      },
    )
}
