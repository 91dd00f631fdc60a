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
  /**
   * Whether a principal verified earlier still holds: not expired, its session not ended. For what a
   * request goes on doing after it was let in (an event stream), which must stop when the session does.
   */
  holds(principal: Principal): Promise<boolean>
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
/** Verified tokens remembered at most; past that the memory starts again. */
const MAX_VERIFIED = 10_000

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
  // Imported once: jose imports a raw secret anew on every call, which doubles the cost of a check.
  const hmac = (secret: string) =>
    crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ])
  const imported = Promise.all([keys.current, ...(keys.previous ? [keys.previous] : [])].map(hmac))
  // Tokens whose signature and shape checked out, so a session's next requests skip the HMAC; expiry and
  // revocation are checked on every request all the same.
  const verified = new Map<string, Principal>()

  async function claims(token: string): Promise<Record<string, unknown> | TokenProblem> {
    for (const key of await imported) {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: [ALGORITHM], currentDate: clock.now() })
        return payload
      } catch (error) {
        if (error instanceof errors.JWSSignatureVerificationFailed) continue
        if (error instanceof errors.JWTExpired) return 'expired'
        // Signed here but not in our shape: a claim such as `exp` that is not a number (ours always is).
        if (
          error instanceof errors.JWSInvalid ||
          error instanceof errors.JWTInvalid ||
          error instanceof errors.JWTClaimValidationFailed
        )
          return 'malformed'
        return 'tampered'
      }
    }
    return 'tampered'
  }

  return {
    async issue(who, lifetimeMs, session) {
      const now = clock.now()
      // Whole seconds, as the token says it.
      const expiresAt = new Date(Math.floor((now.getTime() + lifetimeMs) / 1000) * 1000)
      const principal = { ...who, session, expiresAt } as Principal
      const token = await new SignJWT({ role: principal.role })
        .setProtectedHeader({ alg: ALGORITHM })
        .setSubject(actorOf(principal))
        .setJti(session)
        .setIssuedAt(Math.floor(now.getTime() / 1000))
        .setExpirationTime(expiresAt.getTime() / 1000)
        .sign((await imported)[0]!)
      return { token, principal }
    },

    async verify(token) {
      let principal = verified.get(token)
      if (principal === undefined) {
        const payload = await claims(token)
        if (typeof payload === 'string') return { ok: false, problem: payload }
        const { sub, role, jti, exp } = payload
        const who = typeof sub === 'string' && typeof role === 'string' ? identityOf(sub, role) : undefined
        if (!who || typeof jti !== 'string' || typeof exp !== 'number')
          return { ok: false, problem: 'malformed' }
        principal = { ...who, session: jti, expiresAt: new Date(exp * 1000) } as Principal
        if (verified.size >= MAX_VERIFIED) verified.clear()
        verified.set(token, principal)
      } else if (principal.expiresAt.getTime() <= clock.now().getTime())
        return { ok: false, problem: 'expired' }
      if (await revocations.has(principal.session)) return { ok: false, problem: 'revoked' }
      return { ok: true, principal }
    },

    holds: async (principal) =>
      principal.expiresAt.getTime() > clock.now().getTime() && !(await revocations.has(principal.session)),

    revoke: (principal) => revocations.add(principal.session, principal.expiresAt),
    restoreRevocations: (ended) => revocations.restore(ended),
  }
}
