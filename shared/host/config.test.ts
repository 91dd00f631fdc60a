import { sql } from 'drizzle-orm'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startTestHost } from './node/test-host.ts'
import { parseConfig } from './config.ts'

describe('DB_SYNCHRONOUS', () => {
  it('defaults to full', () => {
    expect(parseConfig({}).synchronous).toBe('full')
  })

  it('takes normal as an opt-in', () => {
    expect(parseConfig({ DB_SYNCHRONOUS: 'normal' }).synchronous).toBe('normal')
  })

  it('refuses any other value with a message naming the variable', () => {
    expect(() => parseConfig({ DB_SYNCHRONOUS: 'off' })).toThrow(/DB_SYNCHRONOUS: must be full or normal/)
  })

  it.each([
    [{}, 2],
    [{ DB_SYNCHRONOUS: 'full' }, 2],
    [{ DB_SYNCHRONOUS: 'normal' }, 1],
  ])('decides how the host opens its database files: %j gives PRAGMA synchronous %i', async (env, level) => {
    const host = await startTestHost({ services: ['customers'], synchronous: parseConfig(env).synchronous })
    onTestFinished(host.cleanup)

    expect(await host.db('customers').get(sql`PRAGMA synchronous`)).toEqual({ synchronous: level })
  })
})

describe('CLOCK', () => {
  it('is the system clock by default, and takes manual', () => {
    expect(parseConfig({}).clock).toBe('system')
    expect(parseConfig({ CLOCK: 'manual' }).clock).toBe('manual')
  })

  it('refuses any other value with a message naming the variable', () => {
    expect(() => parseConfig({ CLOCK: 'frozen' })).toThrow(/CLOCK: must be system or manual/)
  })

  it('refuses manual in production with one line saying so, and takes system there', () => {
    expect(() =>
      parseConfig({ CLOCK: 'manual', NODE_ENV: 'production', AUTH_SECRET: 's'.repeat(32) }),
    ).toThrow(/^CLOCK=manual is refused in production \(NODE_ENV=production\): [^\n]+$/)
    expect(parseConfig({ CLOCK: 'system', NODE_ENV: 'production', AUTH_SECRET: 's'.repeat(32) }).clock).toBe(
      'system',
    )
  })

  it('stops the Node host at start with that line and exit code 1', async () => {
    const root = new URL('../../', import.meta.url).pathname
    const failed = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'shared/host/node/main.ts'],
      {
        cwd: root,
        timeout: 20_000,
        killSignal: 'SIGKILL',
        env: {
          ...process.env,
          CLOCK: 'manual',
          NODE_ENV: 'production',
          AUTH_SECRET: 's'.repeat(32),
          PORT: '0',
          DATA_DIR: '/nonexistent',
        },
      },
    ).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    )
    expect(failed?.code).toBe(1)
    expect(failed?.stdout).toBe('')
    expect(failed?.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^CLOCK=manual is refused in production \(NODE_ENV=production\)/),
    ])
  })
})

describe('CORS_ORIGINS', () => {
  it('is empty by default: CORS is off', () => {
    expect(parseConfig({}).corsOrigins).toEqual([])
  })

  it('lists origins separated by commas, as browsers send them in Origin', () => {
    expect(
      parseConfig({
        CORS_ORIGINS: 'https://a.example, http://Localhost:5173/,https://a.example,http://b.example:80',
      }).corsOrigins,
    ).toEqual(['https://a.example', 'http://localhost:5173', 'http://b.example'])
  })

  it.each([
    '*',
    'a.example',
    'https://a.example/app',
    'https://a.example?x=1',
    'https://user@a.example',
    'file:///tmp',
  ])('refuses %s, which is not an origin, with a message naming the variable and the value', (value) => {
    expect(() => parseConfig({ CORS_ORIGINS: `https://ok.example,${value}` })).toThrow(
      new RegExp(
        `CORS_ORIGINS\\.1: must list origins .*; ${JSON.stringify(value).replace(/[?*.]/g, '\\$&')} is not one`,
      ),
    )
  })
})

describe('REQUEST_TIMEOUT_MS', () => {
  it('gives a client 30 s to send a whole request by default', () => {
    expect(parseConfig({}).requestTimeoutMs).toBe(30_000)
  })

  it('takes another positive number of milliseconds, and refuses anything else', () => {
    expect(parseConfig({ REQUEST_TIMEOUT_MS: '5000' }).requestTimeoutMs).toBe(5000)
    expect(() => parseConfig({ REQUEST_TIMEOUT_MS: '0' })).toThrow(/REQUEST_TIMEOUT_MS/)
    expect(() => parseConfig({ REQUEST_TIMEOUT_MS: 'soon' })).toThrow(/REQUEST_TIMEOUT_MS/)
  })
})

describe('numbers in the environment', () => {
  it.each([
    ['PORT', ''],
    ['PORT', '0x1f90'],
    ['PORT', '8e3'],
    ['MAX_BODY_BYTES', '0x10'],
    ['STREAM_KEEP', ' 1000 '],
  ])('refuse %s=%j, which Number() alone would have read as a number', (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrow(`${name}: must be a whole number in decimal digits`)
  })

  it('take decimal digits', () => {
    expect(parseConfig({ PORT: '8081', MAX_BODY_BYTES: '2048' })).toMatchObject({
      port: 8081,
      http: { maxBodyBytes: 2048 },
    })
  })
})

describe('AUTH_SECRET', () => {
  const secret = 's'.repeat(32)

  it('signs tokens, with AUTH_SECRET_PREVIOUS still verifying during a rotation', () => {
    const config = parseConfig({ AUTH_SECRET: secret, AUTH_SECRET_PREVIOUS: 'p'.repeat(32) })
    expect(config.authKeys).toEqual({ current: secret, previous: 'p'.repeat(32) })
    expect(config.authSecretGenerated).toBe(false)
  })

  it('is made up for the run when unset outside production, and the host says so', () => {
    const first = parseConfig({})
    expect(first.authSecretGenerated).toBe(true)
    expect(first.authKeys.current.length).toBeGreaterThanOrEqual(32)
    expect(parseConfig({}).authKeys.current).not.toBe(first.authKeys.current)
  })

  it('must be set when NODE_ENV=production', () => {
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(
      /AUTH_SECRET: must be set when NODE_ENV=production/,
    )
    expect(parseConfig({ NODE_ENV: 'production', AUTH_SECRET: secret }).production).toBe(true)
  })

  it.each(['AUTH_SECRET', 'AUTH_SECRET_PREVIOUS'])('refuses a %s shorter than 32 characters', (name) => {
    expect(() => parseConfig({ AUTH_SECRET: secret, [name]: 's'.repeat(31) })).toThrow(
      new RegExp(`${name}: must be at least 32 characters`),
    )
  })
})
