import { describe, expect, it } from 'vitest'
import {
  equalBytes,
  hashPassword,
  MAX_ITERATIONS,
  UnusableHash,
  verifyNothing,
  verifyPassword,
} from './passwords.ts'

describe('a password hash', () => {
  it('names its scheme and work factor, with a 16-byte salt and a 32-byte hash in base64', async () => {
    const hash = await hashPassword('pitstop', 1000)
    const [scheme, iterations, salt, key] = hash.split('$')
    expect(scheme).toBe('pbkdf2-sha256')
    expect(iterations).toBe('1000')
    expect(atob(salt!)).toHaveLength(16)
    expect(atob(key!)).toHaveLength(32)
  })

  it('matches its password and no other, and says its work factor', async () => {
    const hash = await hashPassword('correct horse', 1000)
    expect(await verifyPassword('correct horse', hash)).toEqual({ ok: true, iterations: 1000 })
    expect(await verifyPassword('correct hors', hash)).toEqual({ ok: false, iterations: 1000 })
    expect(await verifyPassword('Correct horse', hash)).toEqual({ ok: false, iterations: 1000 })
  })

  it('is salted: the same password hashes differently each time', async () => {
    expect(await hashPassword('pitstop', 1000)).not.toBe(await hashPassword('pitstop', 1000))
  })

  it('matches a password however its accents were typed (NFC)', async () => {
    const hash = await hashPassword('Zoe\u0308', 1000)
    expect((await verifyPassword('Zo\u00eb', hash)).ok).toBe(true)
  })

  it('is PBKDF2-HMAC-SHA-256 as RFC 7914 gives it (its test vector: "passwd", salt "salt", 1 iteration)', async () => {
    const salt = btoa('salt')
    const expected = '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc'
    const key = btoa(String.fromCharCode(...expected.match(/../g)!.map((h) => parseInt(h, 16))))
    expect((await verifyPassword('passwd', `pbkdf2-sha256$1$${salt}$${key}`)).ok).toBe(true)
  })
})

describe('the work factor', () => {
  it(`hashes and verifies with ${MAX_ITERATIONS} iterations, the most Cloudflare Workers allow`, async () => {
    const hash = await hashPassword('pitstop', 100_000)
    expect(await verifyPassword('pitstop', hash)).toEqual({ ok: true, iterations: 100_000 })
  })

  it('refuses to hash with 100,001 iterations, saying why', async () => {
    await expect(hashPassword('pitstop', 100_001)).rejects.toThrow(
      new UnusableHash('PBKDF2 with 100001 iterations is refused: Cloudflare Workers allow at most 100000'),
    )
  })

  it('refuses to verify a stored hash asking for 100,001 iterations', async () => {
    const [scheme, , salt, key] = (await hashPassword('pitstop', 1000)).split('$')
    await expect(verifyPassword('pitstop', [scheme, 100_001, salt, key].join('$'))).rejects.toThrow(
      /100001 iterations is refused/,
    )
  })

  it('refuses no iterations at all', async () => {
    await expect(hashPassword('pitstop', 0)).rejects.toThrow(UnusableHash)
  })
})

describe('a stored hash this service cannot use', () => {
  it.each([
    ['another scheme', 'bcrypt$10$abc$def'],
    ['too few parts', 'pbkdf2-sha256$1000$abc'],
    ['too many parts', 'pbkdf2-sha256$1000$abc$def$ghi'],
    ['a work factor that is not a number', 'pbkdf2-sha256$many$abc$def'],
    ['a salt that is not base64', 'pbkdf2-sha256$1000$!!$def'],
  ])('is refused: %s', async (_, stored) => {
    await expect(verifyPassword('pitstop', stored)).rejects.toThrow(UnusableHash)
  })
})

describe('verifyNothing', () => {
  it('matches nothing', async () => {
    expect(await verifyNothing('pitstop', 1000)).toBe(false)
  })
})

describe('equalBytes', () => {
  it('compares whole byte strings', () => {
    expect(equalBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true)
    expect(equalBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false)
    expect(equalBytes(new Uint8Array([9, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(false)
    expect(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false)
    expect(equalBytes(new Uint8Array(), new Uint8Array())).toBe(true)
  })
})
