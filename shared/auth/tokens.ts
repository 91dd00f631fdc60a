import { errors, jwtVerify, SignJWT } from 'jose'
import type { Clock } from '../clock.ts'
import { actorOf, identityOf, type Identity, type Principal } from './principal.ts'
import type { RevocationList } from './revocations.ts'

/** The secrets tokens are signed with: `AUTH_SECRET`, and during a key rotation the one before it. */
export interface TokenKeys {
  current: string
  previous?: string
}

/** Why a token was refused; each is a 401. */
export type TokenProblem = 'malformed' | 'tampered' | 'expired' | 'revoked'

export type Verified = { ok: true; principal: Principal } | { ok: false; problem: TokenProblem }

export interface Tokens {
  /** Signs a token for `who`, valid for `lifetimeMs` from now (the injected clock's now). */
  issue(who: Identity, lifetimeMs: number, session: string): Promise<{ token: string; principal: Principal }>
  verify(token: string): Promise<Verified>
  /** Ends the principal's session for good, everywhere (see `RevocationList`). */
  revoke(principal: Principal): Promise<void>
  /**
   * Lists again the ended sessions Redis has lost, from the auth service's record of them; returns how
   * many were missing (see `RevocationList.restore`).
   */
  restoreRevocations(ended: readonly { session: string; expiresAt: Date }[]): Promise<number>
}

const encoder = new TextEncoder()
const ALGORITHM = 'HS256'

/**
 * Signed, expiring, revocable tokens (JWTs, HMAC-SHA-256 with Web Crypto, so alike on Node, Deno and
 * workerd). Time is the injected clock's, so a manual clock drives expiry. A token signed with the
 * previous secret still verifies, so rotating `AUTH_SECRET` signs nobody out.
 *
 * @example
 * const tokens = createTokens({ keys: { current: secret }, clock, revocations })
 * const { token } = await tokens.issue({ role: 'mechanic', email }, 8 * 3_600_000, newId())
 */
export function createTokens({
  keys,
  clock,
  revocations,
}: {
  keys: TokenKeys
  clock: Clock
  revocations: RevocationList
}): Tokens {
  const signing = encoder.encode(keys.current)
  const verifying = [signing, ...(keys.previous ? [encoder.encode(keys.previous)] : [])]

  async function claims(token: string): Promise<Record<string, unknown> | TokenProblem> {
    for (const key of verifying) {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: [ALGORITHM], currentDate: clock.now() })
        return payload
      } catch (error) {
        if (error instanceof errors.JWSSignatureVerificationFailed) continue
        if (error instanceof errors.JWTExpired) return 'expired'
        if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed'
        return 'tampered'
      }
    }
    return 'tampered'
  }

  return {
    async issue(who, lifetimeMs, session) {
      const now = clock.now()
      const expiresAt = new Date(now.getTime() + lifetimeMs)
      const principal = { ...who, session, expiresAt } as Principal
      const token = await new SignJWT({ role: principal.role })
        .setProtectedHeader({ alg: ALGORITHM })
        .setSubject(actorOf(principal))
        .setJti(session)
        .setIssuedAt(Math.floor(now.getTime() / 1000))
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(signing)
      return { token, principal }
    },

    async verify(token) {
      const payload = await claims(token)
      if (typeof payload === 'string') return { ok: false, problem: payload }
      const { sub, role, jti, exp } = payload
      const who = typeof sub === 'string' && typeof role === 'string' ? identityOf(sub, role) : undefined
      if (!who || typeof jti !== 'string' || typeof exp !== 'number')
        return { ok: false, problem: 'malformed' }
      if (await revocations.has(jti)) return { ok: false, problem: 'revoked' }
      return { ok: true, principal: { ...who, session: jti, expiresAt: new Date(exp * 1000) } as Principal }
    },

    revoke: (principal) => revocations.add(principal.session, principal.expiresAt),
    restoreRevocations: (ended) => revocations.restore(ended),
  }
}
