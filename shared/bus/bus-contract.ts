import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deleteKeys, uniquePrefix } from '../testing/redis.ts'
import type { Bus, OutboxEntry, StreamBatch } from './bus.ts'

const GROUP = 'workshop'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const entry = (seq: number, envelope = JSON.stringify({ id: `event-${seq}` })): OutboxEntry => ({
  seq,
  type: 'CustomerRegistered',
  envelope,
})
const entries = (...seqs: number[]) => seqs.map((seq) => entry(seq))

const read = (bus: Bus, consumer: string, streams: string[], from: '>' | '0', blockMs?: number) =>
  bus.readGroup({ group: GROUP, consumer, streams, from, count: 10, blockMs })
const idsOf = (batches: StreamBatch[]) =>
  Object.fromEntries(batches.map((b) => [b.stream, b.entries.map((e) => e.id)]))

/**
 * Registers the tests every `Bus` adapter must pass, against the real Redis behind it. `createBus` is
 * called inside each test, so it may read state that a `beforeAll` sets up (a bridge's URL).
 *
 * @example
 * describe('redis bus', () => busContract(() => createRedisBus(TEST_REDIS_URL)))
 */
export function busContract(createBus: () => Bus): void {
  describe('the Bus contract', () => contract(createBus))
}

function contract(createBus: () => Bus): void {
  let prefix = ''
  const opened: Bus[] = []
  const open = () => {
    const bus = createBus()
    opened.push(bus)
    return bus
  }
  const stream = (name = 'customers') => `${prefix}.${name}`

  // A fresh prefix per test: a failed test's leftovers never meet the next one.
  beforeEach(() => {
    prefix = uniquePrefix('bus')
  })
  afterEach(async () => {
    for (const bus of opened.splice(0)) await bus.close()
    await deleteKeys(prefix)
  })

  describe('lastSeq', () => {
    it('is 0 for a missing stream and for an empty one', async () => {
      const bus = open()
      expect(await bus.lastSeq(stream())).toBe(0)
      await bus.ensureGroup(stream(), GROUP)
      expect(await bus.lastSeq(stream())).toBe(0)
    })

    it('is the seq of the newest entry after appends', async () => {
      const bus = open()
      await bus.appendAfter(stream(), 0, entries(1, 2, 3))
      expect(await bus.lastSeq(stream())).toBe(3)
    })
  })

  describe('appendAfter', () => {
    it('appends in order with ids <seq>-0, type and envelope fields', async () => {
      const bus = open()
      expect(await bus.appendAfter(stream(), 0, entries(1, 2))).toEqual({ ok: true })
      expect(await bus.appendAfter(stream(), 2, entries(3))).toEqual({ ok: true })
      await bus.ensureGroup(stream(), GROUP)
      const [batch] = await read(bus, 'c1', [stream()], '>')
      expect(batch!.entries).toEqual(
        [1, 2, 3].map((seq) => ({
          id: `${seq}-0`,
          fields: { type: entry(seq).type, event: entry(seq).envelope },
        })),
      )
    })

    it('refuses and returns the real last seq when another relay published first', async () => {
      const bus = open()
      await bus.appendAfter(stream(), 0, entries(1, 2))
      expect(await bus.appendAfter(stream(), 1, entries(2, 3))).toEqual({ ok: false, lastSeq: 2 })
      expect(await bus.lastSeq(stream())).toBe(2)
    })

    it('refuses with lastSeq 0 once Redis lost the stream, then accepts the outbox again from the start', async () => {
      const bus = open()
      await bus.appendAfter(stream(), 0, entries(1, 2))
      await deleteKeys(prefix)
      expect(await bus.appendAfter(stream(), 2, entries(3))).toEqual({ ok: false, lastSeq: 0 })
      expect(await bus.appendAfter(stream(), 0, entries(1, 2, 3))).toEqual({ ok: true })
      expect(await bus.lastSeq(stream())).toBe(3)
    })

    it('keeps envelopes with unicode and JSON special characters byte-identical', async () => {
      const bus = open()
      const envelopes = [
        JSON.stringify({ name: 'Zoë 🏎️ 日本', quote: '"', backslash: '\\', newline: '\n', nul: '\u0000' }),
        '42',
        'null',
        'OK',
        '"a JSON string"',
        '',
        '{"unterminated": ',
      ]
      await bus.appendAfter(
        stream(),
        0,
        envelopes.map((envelope, i) => entry(i + 1, envelope)),
      )
      await bus.ensureGroup(stream(), GROUP)
      const [batch] = await read(bus, 'c1', [stream()], '>')
      expect(batch!.entries.map((e) => e.fields.event)).toEqual(envelopes)
    })
  })

  describe('consumer groups', () => {
    it('ensureGroup is idempotent and the group reads the stream from its start', async () => {
      const bus = open()
      await bus.appendAfter(stream(), 0, entries(1, 2))
      await bus.ensureGroup(stream(), GROUP)
      await bus.ensureGroup(stream(), GROUP)
      expect(idsOf(await read(bus, 'c1', [stream()], '>'))).toEqual({ [stream()]: ['1-0', '2-0'] })
    })

    it('reads new entries across two streams, then nothing new', async () => {
      const bus = open()
      const [customers, vehicles] = [stream('customers'), stream('vehicles')]
      for (const s of [customers, vehicles]) await bus.ensureGroup(s, GROUP)
      await bus.appendAfter(customers, 0, entries(1, 2))
      await bus.appendAfter(vehicles, 0, entries(1))
      expect(idsOf(await read(bus, 'c1', [customers, vehicles], '>'))).toEqual({
        [customers]: ['1-0', '2-0'],
        [vehicles]: ['1-0'],
      })
      expect(await read(bus, 'c1', [customers, vehicles], '>', 50)).toEqual([])
    })

    it("reads a consumer's own pending entries with '0', and not another consumer's", async () => {
      const bus = open()
      await bus.ensureGroup(stream(), GROUP)
      await bus.appendAfter(stream(), 0, entries(1, 2))
      await read(bus, 'c1', [stream()], '>')
      expect(idsOf(await read(bus, 'c1', [stream()], '0'))).toEqual({ [stream()]: ['1-0', '2-0'] })
      expect((await read(bus, 'c2', [stream()], '0')).flatMap((b) => b.entries)).toEqual([])
    })

    it('ack removes entries from the pending list', async () => {
      const bus = open()
      await bus.ensureGroup(stream(), GROUP)
      await bus.appendAfter(stream(), 0, entries(1, 2))
      await read(bus, 'c1', [stream()], '>')
      await bus.ack(stream(), GROUP, ['1-0'])
      await bus.ack(stream(), GROUP, [])
      expect(idsOf(await read(bus, 'c1', [stream()], '0'))).toEqual({ [stream()]: ['2-0'] })
    })

    it('claimIdle takes entries idle longer than minIdleMs from a dead consumer, not younger ones', async () => {
      const bus = open()
      await bus.ensureGroup(stream(), GROUP)
      await bus.appendAfter(stream(), 0, entries(1))
      await read(bus, 'dead', [stream()], '>')
      await sleep(300)
      await bus.appendAfter(stream(), 1, entries(2))
      await read(bus, 'dead', [stream()], '>')
      const claimed = await bus.claimIdle(stream(), GROUP, 'alive', 200, 10)
      expect(claimed).toEqual([{ id: '1-0', fields: { type: entry(1).type, event: entry(1).envelope } }])
      expect(idsOf(await read(bus, 'alive', [stream()], '0'))).toEqual({ [stream()]: ['1-0'] })
      expect(idsOf(await read(bus, 'dead', [stream()], '0'))).toEqual({ [stream()]: ['2-0'] })
    })

    it('deliveries counts each delivery and is 0 once the entry is acknowledged', async () => {
      const bus = open()
      await bus.ensureGroup(stream(), GROUP)
      await bus.appendAfter(stream(), 0, entries(1))
      expect(await bus.deliveries(stream(), GROUP, '1-0')).toBe(0)
      await read(bus, 'c1', [stream()], '>')
      expect(await bus.deliveries(stream(), GROUP, '1-0')).toBe(1)
      await bus.claimIdle(stream(), GROUP, 'c2', 0, 10)
      expect(await bus.deliveries(stream(), GROUP, '1-0')).toBe(2)
      await bus.ack(stream(), GROUP, ['1-0'])
      expect(await bus.deliveries(stream(), GROUP, '1-0')).toBe(0)
    })
  })

  describe('dead letters', () => {
    it('round-trip with the error, group, deliveries and the original fields, and can be deleted', async () => {
      const bus = open()
      const original = { id: '7-0', fields: { type: 'CustomerRegistered', event: '{"name":"Zoë \\"Z\\""}' } }
      await bus.deadLetter(stream(), { group: GROUP, entry: original, error: 'boom: ü', deliveries: 5 })
      const letters = await bus.readDeadLetters(stream(), 10)
      expect(letters).toEqual([
        {
          id: expect.stringMatching(/^\d+-\d+$/),
          fields: {
            group: GROUP,
            stream: stream(),
            entryId: '7-0',
            deliveries: '5',
            error: 'boom: ü',
            ...original.fields,
          },
        },
      ])
      await bus.deleteDeadLetters(stream(), [letters[0]!.id])
      await bus.deleteDeadLetters(stream(), [])
      expect(await bus.readDeadLetters(stream(), 10)).toEqual([])
    })

    it('acknowledge the entry in the same step as the letter is written', async () => {
      const bus = open()
      await bus.appendAfter(stream(), 0, entries(1, 2))
      await bus.ensureGroup(stream(), GROUP)
      const [batch] = await read(bus, 'c1', [stream()], '>')
      await bus.deadLetter(stream(), {
        group: GROUP,
        entry: batch!.entries[0]!,
        error: 'boom',
        deliveries: 1,
      })
      expect(await bus.deliveries(stream(), GROUP, '1-0')).toBe(0)
      expect(await bus.deliveries(stream(), GROUP, '2-0')).toBe(1)
      expect(await bus.countDeadLetters(stream())).toBe(1)
    })

    it('are read page by page after a given letter', async () => {
      const bus = open()
      for (let i = 1; i <= 5; i++) {
        const entry = { id: `${i}-0`, fields: { type: 'CustomerRegistered', event: '{}' } }
        await bus.deadLetter(stream(), { group: GROUP, entry, error: 'boom', deliveries: 1 })
      }
      const first = await bus.readDeadLetters(stream(), 2)
      const second = await bus.readDeadLetters(stream(), 2, first.at(-1)!.id)
      const last = await bus.readDeadLetters(stream(), 2, second.at(-1)!.id)
      expect([...first, ...second, ...last].map((l) => l.fields.entryId)).toEqual([
        '1-0',
        '2-0',
        '3-0',
        '4-0',
        '5-0',
      ])
      expect(await bus.readDeadLetters(stream(), 2, last.at(-1)!.id)).toEqual([])
    })
  })

  describe('inspecting and bounding streams', () => {
    it('reads back from the end or before a seq, and a range of seqs', async () => {
      const bus = open()
      await bus.appendAfter(stream(), 0, entries(1, 2, 3, 4), 'origin-a')
      expect((await bus.readBack(stream(), 2)).map((e) => e.id)).toEqual(['4-0', '3-0'])
      expect((await bus.readBack(stream(), 10, 3)).map((e) => e.id)).toEqual(['2-0', '1-0'])
      expect((await bus.range(stream(), 2, 3, 10)).map((e) => e.id)).toEqual(['2-0', '3-0'])
      expect((await bus.readBack(stream(), 1))[0]!.fields.origin).toBe('origin-a')
    })

    it('trims entries below a seq and reports groups, their oldest pending entry and their consumers', async () => {
      const bus = open()
      await bus.appendAfter(stream(), 0, entries(1, 2, 3, 4))
      await bus.ensureGroup(stream(), GROUP)
      await read(bus, 'c1', [stream()], '>')
      await bus.ack(stream(), GROUP, ['1-0', '2-0'])
      expect(await bus.groups(stream())).toEqual([{ name: GROUP, lastDeliveredSeq: 4, pending: 2 }])
      expect(await bus.oldestPending(stream(), GROUP)).toBe(3)

      await bus.trimBefore(stream(), 3)
      expect((await bus.range(stream(), 1, 4, 10)).map((e) => e.id)).toEqual(['3-0', '4-0'])
      await bus.ack(stream(), GROUP, ['3-0', '4-0'])
      expect(await bus.oldestPending(stream(), GROUP)).toBeUndefined()
      expect(await bus.groups(`${stream()}-missing`)).toEqual([])
    })

    it('moves a group back so that entries are delivered again', async () => {
      const bus = open()
      await bus.appendAfter(stream(), 0, entries(1, 2, 3))
      await bus.ensureGroup(stream(), GROUP)
      await read(bus, 'c1', [stream()], '>')
      await bus.ack(stream(), GROUP, ['1-0', '2-0', '3-0'])
      await bus.setGroupPosition(stream(), GROUP, 1)
      expect(idsOf(await read(bus, 'c1', [stream()], '>'))).toEqual({ [stream()]: ['2-0', '3-0'] })
    })

    it('deletes consumers idle longer than asked with nothing pending, never the one to keep', async () => {
      const bus = open()
      await bus.appendAfter(stream(), 0, entries(1, 2, 3))
      await bus.ensureGroup(stream(), GROUP)
      for (const consumer of ['idle', 'busy', 'me'])
        await bus.readGroup({ group: GROUP, consumer, streams: [stream()], from: '>', count: 1 })
      await bus.ack(stream(), GROUP, ['1-0', '3-0']) // `busy` still holds 2-0
      await sleep(50)
      expect(await bus.deleteIdleConsumers(stream(), GROUP, 1_000, 'me')).toEqual([])
      expect(await bus.deleteIdleConsumers(stream(), GROUP, 20, 'me')).toEqual(['idle'])
    })

    it('keeps the first owner of a claim', async () => {
      const bus = open()
      expect(await bus.claim(`${stream()}.owner`, 'a')).toBe('a')
      expect(await bus.claim(`${stream()}.owner`, 'b')).toBe('a')
    })

    it('keeps expiring members until their expiry, and drops them after', async () => {
      const bus = open()
      const key = `${stream()}.revoked`
      await bus.addExpiring(key, 'early', 1_000)
      await bus.addExpiring(key, 'late', 2_000)
      expect(await bus.unexpired(key, 999)).toEqual([
        ['early', 1_000],
        ['late', 2_000],
      ])
      expect(await bus.unexpired(key, 1_000)).toEqual([['late', 2_000]])
      expect(await bus.unexpired(key, 0)).toEqual([['late', 2_000]])
    })
  })

  describe('streamStatus', () => {
    it('reports length, last entry, the group position, pending entries with the age of the oldest, and consumers', async () => {
      const bus = open()
      await bus.appendAfter(stream(), 0, entries(1, 2, 3, 4, 5))
      await bus.ensureGroup(stream(), GROUP)
      await bus.readGroup({ group: GROUP, consumer: 'c1', streams: [stream()], from: '>', count: 1 })
      await sleep(150)
      await bus.readGroup({ group: GROUP, consumer: 'c2', streams: [stream()], from: '>', count: 2 })
      await bus.ack(stream(), GROUP, ['3-0'])

      const [status] = await bus.streamStatus([stream()], GROUP)
      expect(status).toEqual({
        stream: stream(),
        length: 5,
        lastSeq: 5,
        lastDeliveredSeq: 3,
        pending: 2,
        oldestPendingMs: expect.any(Number),
        consumers: [
          { name: 'c1', pending: 1, idleMs: expect.any(Number) },
          { name: 'c2', pending: 1, idleMs: expect.any(Number) },
        ],
      })
      // The oldest pending entry (1-0, c1's) waits since the first read; c2 read just now.
      expect(status!.oldestPendingMs).toBeGreaterThanOrEqual(140)
      expect(status!.consumers[0]!.idleMs).toBeGreaterThanOrEqual(140)
      expect(status!.consumers[1]!.idleMs).toBeLessThan(140)
    })

    it('shows a trimmed stream by what it still holds, and nothing pending once all is acknowledged', async () => {
      const bus = open()
      await bus.appendAfter(stream(), 0, entries(1, 2, 3, 4))
      await bus.ensureGroup(stream(), GROUP)
      await read(bus, 'c1', [stream()], '>')
      await bus.ack(stream(), GROUP, ['1-0', '2-0', '3-0', '4-0'])
      await bus.trimBefore(stream(), 3)
      expect(await bus.streamStatus([stream()], GROUP)).toEqual([
        {
          stream: stream(),
          length: 2,
          lastSeq: 4,
          lastDeliveredSeq: 4,
          pending: 0,
          consumers: [{ name: 'c1', pending: 0, idleMs: expect.any(Number) }],
        },
      ])
    })

    it('answers for several streams in their order, a missing one and one without the group as undelivered', async () => {
      const bus = open()
      const [customers, vehicles, missing] = [stream('customers'), stream('vehicles'), stream('missing')]
      await bus.appendAfter(customers, 0, entries(1))
      await bus.ensureGroup(customers, GROUP)
      await bus.appendAfter(vehicles, 0, entries(1, 2))
      const nothing = { pending: 0, lastDeliveredSeq: 0, consumers: [] }
      expect(await bus.streamStatus([vehicles, missing, customers], GROUP)).toEqual([
        { stream: vehicles, length: 2, lastSeq: 2, ...nothing },
        { stream: missing, length: 0, lastSeq: 0, ...nothing },
        { stream: customers, length: 1, lastSeq: 1, ...nothing },
      ])
      expect(await bus.streamStatus([], GROUP)).toEqual([])
    })
  })

  describe('shared values', () => {
    it('reads back the value last set at a key, from any connection, and nothing where none was', async () => {
      const bus = open()
      expect(await bus.getValue(`${stream()}.value`)).toBeUndefined()
      await bus.setValue(`${stream()}.value`, '2026-12-01T00:00:00.000Z')
      await bus.setValue(`${stream()}.value`, '2026-12-02T00:00:00.000Z')
      expect(await open().getValue(`${stream()}.value`)).toBe('2026-12-02T00:00:00.000Z')
    })
  })

  describe('connection', () => {
    it('answers ping', async () => {
      await expect(open().ping()).resolves.toBeUndefined()
    })

    it('fails commands after close, and closing twice is harmless', async () => {
      const bus = open()
      await bus.ping()
      await bus.close()
      await bus.close()
      await expect(bus.ping()).rejects.toThrow()
    })
  })
}
