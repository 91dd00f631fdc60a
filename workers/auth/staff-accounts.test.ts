import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../shared/host/config.ts'
import { parseStaffAccounts } from './staff-accounts.ts'

/** The host's message for a bad STAFF_ACCOUNTS, as it stops with it. */
const refusal = (STAFF_ACCOUNTS: string) => {
  try {
    parseConfig({ STAFF_ACCOUNTS })
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('accepted')
}

describe('STAFF_ACCOUNTS', () => {
  it('lists role:email:password entries, e-mail addresses in lower case, spaces around entries ignored', () => {
    expect(
      parseStaffAccounts(' mechanic:Ann@Garage.example:s3cret , manager:bo@garage.example:pa:ss:word,'),
    ).toEqual({
      accounts: [
        { role: 'mechanic', email: 'ann@garage.example', password: 's3cret' },
        { role: 'manager', email: 'bo@garage.example', password: 'pa:ss:word' },
      ],
      problems: [],
    })
  })

  it('is taken by the host as it is given, to be read by the auth service', () => {
    const config = parseConfig({ STAFF_ACCOUNTS: 'support:cees@garage.example:pw' })
    expect(config.settings.auth).toMatchObject({ STAFF_ACCOUNTS: 'support:cees@garage.example:pw' })
  })

  it.each([
    [
      'a role that is not a staff role',
      'boss:ann@garage.example:hunter2',
      'entry 1 (ann@garage.example) must start with a role: mechanic, support, manager',
    ],
    [
      'the customer role',
      'customer:ann@garage.example:hunter2',
      'entry 1 (ann@garage.example) must start with a role',
    ],
    [
      'a missing password',
      'mechanic:ann@garage.example',
      'entry 1 (ann@garage.example) must be role:email:password',
    ],
    ['a missing role', 'ann@garage.example:hunter2', 'entry 1 must be role:email:password'],
    [
      'an empty password',
      'mechanic:ann@garage.example:',
      'entry 1 (ann@garage.example) has an empty password',
    ],
    ['no e-mail address', 'mechanic:ann:hunter2', 'entry 1 must have an e-mail address as its second part'],
    [
      'an e-mail address twice',
      'mechanic:ann@garage.example:hunter2,manager:ANN@garage.example:hunter2',
      'entry 2 (ann@garage.example) lists an e-mail address a previous entry has',
    ],
  ])('stops the host on %s, naming the variable and the entry, never the password', (_, value, problem) => {
    const message = refusal(value)
    expect(message).toContain(`STAFF_ACCOUNTS: ${problem}`)
    expect(message).not.toContain('hunter2')
  })

  it('names every bad entry by its position', () => {
    const message = refusal('mechanic:ann@garage.example:hunter2,boss:bo@garage.example:hunter2,x')
    expect(message).toContain('STAFF_ACCOUNTS: entry 2 (bo@garage.example) must start with a role')
    expect(message).toContain('STAFF_ACCOUNTS: entry 3 must be role:email:password')
    expect(message).not.toContain('hunter2')
  })

  it('is empty when unset or empty', () => {
    expect(parseStaffAccounts('')).toEqual({ accounts: [], problems: [] })
    expect(parseConfig({}).settings.auth).toMatchObject({ STAFF_ACCOUNTS: '' })
  })
})

describe('the auth settings', () => {
  it('take PASSWORD_ITERATIONS up to 100,000 and refuse 100,001, saying why', () => {
    expect(parseConfig({ PASSWORD_ITERATIONS: '100000' }).settings.auth).toMatchObject({
      PASSWORD_ITERATIONS: 100_000,
    })
    expect(() => parseConfig({ PASSWORD_ITERATIONS: '100001' })).toThrow(
      'PASSWORD_ITERATIONS: must be at most 100000: Cloudflare Workers refuse PBKDF2 with more iterations',
    )
  })

  it('default to 100,000 iterations, a 10-hour staff session and 30-day customer links', () => {
    expect(parseConfig({}).settings.auth).toMatchObject({
      PASSWORD_ITERATIONS: 100_000,
      STAFF_SESSION_HOURS: 10,
      CUSTOMER_LINK_DAYS: 30,
      LOGIN_MAX_FAILURES: 5,
      LOGIN_FAILURE_WINDOW_MINUTES: 15,
    })
  })
})
