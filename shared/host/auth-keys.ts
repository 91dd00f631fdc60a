import * as v from 'valibot'
import type { TokenKeys } from '../auth/tokens.ts'
import { AuthSecret } from '../environment.ts'

/** The variables every host reads for signing and verifying tokens. */
export const AuthEnvironment = {
  /** Signs new tokens and verifies them. */
  AUTH_SECRET: v.optional(AuthSecret),
  /** The secret before the last rotation: tokens it signed still verify until they expire. */
  AUTH_SECRET_PREVIOUS: v.optional(AuthSecret),
  NODE_ENV: v.optional(v.string(), 'development'),
}

/**
 * The keys tokens are signed with. Without `AUTH_SECRET`, outside production, a random one for this
 * run (`generated`: the host says so, since every token ends with the run and other processes cannot
 * verify them); in production, or where a random one cannot be shared (`required`), it is an error.
 */
export function tokenKeys(
  env: { AUTH_SECRET?: string; AUTH_SECRET_PREVIOUS?: string; NODE_ENV: string },
  { required = false } = {},
): { keys: TokenKeys; generated: boolean } {
  const previous = env.AUTH_SECRET_PREVIOUS
  if (env.AUTH_SECRET) return { keys: { current: env.AUTH_SECRET, previous }, generated: false }
  if (required || env.NODE_ENV === 'production')
    throw new Error(
      `Invalid configuration:\n  AUTH_SECRET: must be set${required ? '' : ' when NODE_ENV=production'}, at least 32 characters (openssl rand -base64 32)`,
    )
  const random = crypto.getRandomValues(new Uint8Array(32))
  return { keys: { current: btoa(String.fromCharCode(...random)), previous }, generated: true }
}
