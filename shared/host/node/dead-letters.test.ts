import { Redis } from 'ioredis'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { deadLetterStream, serviceStream } from '../../bus/bus.ts'
import { newUuidV7, systemClock } from '../../clock.ts'
import { toEnvelopes } from '../../envelope.ts'
import { TEST_REDIS_URL } from '../../testing/redis.ts'
import { sampleCustomer, startTestHost, type TestHost } from './test-host.ts'

const root = new URL('../../../', import.meta.url).pathname
const redis = new Redis(TEST_REDIS_URL)
let host: TestHost
afterEach(() => host?.cleanup())
afterAll(() => redis.disconnect())

/** `npm run dead-letters -- <command>` against the host, signing in as the demo manager unless told. */
async function deadLetters(command: string, more: Record<string, string> = {}) {
  const env = { ...process.env, PITSTOP_URL: host.url, ...more }
  const run = promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'shared/host/node/dead-letters.ts', command],
    {
      cwd: root,
      env,
    },
  )
  const { stdout, stderr, code } = await run.then(
    (r) => ({ ...r, code: 0 }),
    (e: { stdout: string; stderr: string; code: number }) => e,
  )
  return {
    lines: stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l)),
    stderr,
    code,
  }
}

describe('npm run dead-letters', () => {
  it('lists what the workshop group gave up on, with the error, and a re-drive leaves what still fails', async () => {
    host = await startTestHost({ services: ['auth', 'workshop'] })
    const customers = serviceStream(host.config.streamPrefix, 'customers')
    await redis.xadd(customers, '*', 'type', 'CustomerRegistered', 'event', '{not json')
    await vi.waitFor(async () => expect(await redis.xlen(deadLetterStream(customers))).toBe(1), {
      timeout: 10_000,
    })

    const listed = await deadLetters('list')
    expect(listed.code).toBe(0)
    expect(listed.lines).toEqual([
      expect.objectContaining({
        service: 'workshop',
        group: 'workshop',
        stream: customers,
        error: 'event field is not JSON',
      }),
    ])

    const redriven = await deadLetters('redrive')
    expect(redriven.code).toBe(1)
    expect(redriven.lines).toEqual([{ service: 'workshop', group: 'workshop', redriven: 0 }])
    expect(redriven.stderr).toContain('1 dead letters still fail')
  })

  it('re-drives a dead letter whose cause is gone into the read model and removes it', async () => {
    host = await startTestHost({ services: ['auth', 'workshop'] })
    const customers = serviceStream(host.config.streamPrefix, 'customers')
    const [event] = toEnvelopes([{ type: 'CustomerRegistered', data: sampleCustomer('cust-7') }], {
      stream: 'cust-7',
      after: 0,
      metadata: { correlationId: 'c', causationId: 'c', actor: 'test' },
      clock: systemClock,
      newId: newUuidV7,
    })
    // As the consumer writes it after the last failed delivery (say, the database was full then).
    await redis.xadd(
      deadLetterStream(customers),
      '*',
      ...[
        'group',
        'workshop',
        'stream',
        customers,
        'entryId',
        '5-0',
        'deliveries',
        '5',
        'error',
        'SQLITE_FULL',
      ],
      ...['type', 'CustomerRegistered', 'event', JSON.stringify(event)],
    )

    const redriven = await deadLetters('redrive')
    expect(redriven).toMatchObject({
      code: 0,
      lines: [{ service: 'workshop', group: 'workshop', redriven: 1 }],
    })
    expect(await (await host.get('/api/workshop/refdata/customers/cust-7')).json()).toMatchObject({
      name: 'Ann de Vries',
    })
    expect((await deadLetters('list')).lines).toEqual([])
  })

  it('says plainly that there are none, and keeps stdout empty for scripts', async () => {
    host = await startTestHost({ services: ['auth', 'workshop'] })
    const listed = await deadLetters('list')
    expect(listed).toMatchObject({ code: 0, lines: [] })
    expect(listed.stderr).toContain('No dead letters in consumer group workshop')
  })

  it('signs in as the manager it is told to be, and says so in one line when it cannot', async () => {
    host = await startTestHost({ services: ['auth', 'workshop'] })
    const wrong = await deadLetters('list', { PITSTOP_PASSWORD: 'not-the-password' })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr.trimEnd()).toMatch(
      /^Cannot sign in to http:\/\/127\.0\.0\.1:\d+ as manager@pitstop\.local: /,
    )
    const mechanic = await deadLetters('list', { PITSTOP_EMAIL: 'mechanic@pitstop.local' })
    expect(mechanic.code).toBe(1)
    expect(mechanic.stderr).toContain('workshop: 403')
  })

  it('says where it looked when nothing answers there', async () => {
    host = await startTestHost({ services: ['auth', 'workshop'] })
    const { code, stderr } = await deadLetters('list', { PITSTOP_URL: 'http://127.0.0.1:1' })
    expect(code).toBe(1)
    expect(stderr).toContain('Cannot reach Pitstop at http://127.0.0.1:1')
  })

  it('refuses an unknown command with its usage', async () => {
    host = await startTestHost({ services: ['auth', 'workshop'] })
    const { code, stderr } = await deadLetters('purge')
    expect(code).toBe(2)
    expect(stderr).toContain('usage: npm run dead-letters -- list | redrive')
  })
})
