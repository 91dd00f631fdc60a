// Password hashes: PBKDF2-HMAC-SHA-256 through Web Crypto, alike on Node, Deno and workerd. Each hash
// carries its scheme and work factor, `pbkdf2-sha256$<iterations>$<salt>$<hash>` (salt and hash in
// base64), so the work factor can be raised later and old hashes still verify.

const SCHEME = 'pbkdf2-sha256'
const SALT_BYTES = 16
const HASH_BITS = 256

/**
 * The most iterations a hash may ask for. Cloudflare Workers refuse Web Crypto PBKDF2 above 100,000 in
 * production, while the workerd behind `wrangler dev` does not (workerd issue 1346), so only this check
 * keeps a hash that works locally from failing every sign-in once deployed.
 */
export const MAX_ITERATIONS = 100_000

/** The work factor new hashes get, unless `PASSWORD_ITERATIONS` says otherwise. */
export const DEFAULT_ITERATIONS = MAX_ITERATIONS

/** A hash this service cannot or may not verify: another scheme, malformed, or too costly for workerd. */
export class UnusableHash extends Error {
  override name = 'UnusableHash'
}

const encoder = new TextEncoder()

function checkIterations(iterations: number): void {
  if (!Number.isSafeInteger(iterations) || iterations < 1)
    throw new UnusableHash(`PBKDF2 needs a whole number of iterations of at least 1, not ${iterations}`)
  if (iterations > MAX_ITERATIONS)
    throw new UnusableHash(
      `PBKDF2 with ${iterations} iterations is refused: Cloudflare Workers allow at most ${MAX_ITERATIONS}`,
    )
}

/** The password's PBKDF2-HMAC-SHA-256 key, in NFC so the same password typed anywhere derives alike. */
async function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array> {
  checkIterations(iterations)
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(password.normalize('NFC')),
    'PBKDF2',
    false,
    ['deriveBits'],
  )
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    key,
    HASH_BITS,
  )
  return new Uint8Array(bits)
}

/**
 * Whether two byte strings are equal, in a time that depends on their length only, not on where they
 * first differ. Both are derived keys of one fixed length, so the length tells nothing.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!
  return difference === 0
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))

/**
 * A new hash of `password`, with a random 16-byte salt.
 *
 * @example
 * await hashPassword('pitstop', 100_000) // 'pbkdf2-sha256$100000$…$…'
 */
export async function hashPassword(password: string, iterations: number): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES))
  const hash = await derive(password, salt, iterations)
  return `${SCHEME}$${iterations}$${toBase64(salt)}$${toBase64(hash)}`
}

function parse(stored: string): { iterations: number; salt: Uint8Array<ArrayBuffer>; hash: Uint8Array } {
  const [scheme, iterations, salt, hash, ...rest] = stored.split('$')
  if (scheme !== SCHEME || rest.length > 0 || !/^\d+$/.test(iterations ?? '') || !salt || !hash)
    throw new UnusableHash(`Not a ${SCHEME} hash`)
  try {
    return { iterations: Number(iterations), salt: fromBase64(salt), hash: fromBase64(hash) }
  } catch {
    throw new UnusableHash(`Not a ${SCHEME} hash: salt or hash is not base64`)
  }
}

/**
 * Whether `password` matches `stored`, and the work factor `stored` was made with (to re-hash a weaker
 * one after a successful sign-in). Throws `UnusableHash` for a hash it may not verify.
 */
export async function verifyPassword(
  password: string,
  stored: string,
): Promise<{ ok: boolean; iterations: number }> {
  const { iterations, salt, hash } = parse(stored)
  return { ok: equalBytes(await derive(password, salt, iterations), hash), iterations }
}

/**
 * Costs what checking a password against a hash of `iterations` costs, and matches nothing: for an
 * unknown account, so that it answers as slowly as a known one.
 */
export async function verifyNothing(password: string, iterations: number): Promise<false> {
  await derive(password, crypto.getRandomValues(new Uint8Array(SALT_BYTES)), iterations)
  return false
}
