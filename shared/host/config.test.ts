import { sql } from 'drizzle-orm'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startTestHost } from '../testing/test-host.ts'
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
