import { APPEND_AFTER, DEAD_LETTER, DELETE_IDLE_CONSUMERS, STREAM_STATUS } from './scripts.lua.ts'
import { deadLetterStream, seqOf, type Bus, type StreamEntry, type StreamStatus } from './bus.ts'

/** Sends one Redis command and resolves with its raw (RESP2-shaped) reply. */
export type SendCommand = <T>(...command: [string, ...(string | number)[]]) => Promise<T>

/** The Lua scripts the bus runs; each adapter loads them its own way (EVALSHA over TCP or REST). */
export const scripts = {
  appendAfter: APPEND_AFTER,
  deadLetter: DEAD_LETTER,
  deleteIdleConsumers: DELETE_IDLE_CONSUMERS,
  streamStatus: STREAM_STATUS,
}
export type RunScript = (name: keyof typeof scripts, keys: string[], args: string[]) => Promise<unknown>

type RawEntry = [id: string, fields: string[] | null]

function toEntry([id, fields]: RawEntry): StreamEntry {
  if (fields === null) return { id, fields: {}, trimmed: true }
  const record: Record<string, string> = {}
  for (let i = 0; i < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!
  return { id, fields: record }
}

/** One stream's reply of the `streamStatus` script (numbers may come as text over REST). */
type RawStatus = [
  length: number,
  lastId: string,
  deliveredId: string,
  pending: number,
  oldestIdle: number,
  consumers: [name: string, pending: number, idle: number][],
]

function toStatus(
  stream: string,
  [length, lastId, deliveredId, pending, oldestIdle, consumers]: RawStatus,
): StreamStatus {
  return {
    stream,
    length: Number(length),
    lastSeq: seqOf(String(lastId)),
    lastDeliveredSeq: seqOf(String(deliveredId)),
    pending: Number(pending),
    // The script says -1 when nothing is pending: absent then, not a number that reads as an age.
    ...(Number(oldestIdle) >= 0 ? { oldestPendingMs: Number(oldestIdle) } : {}),
    consumers: consumers.map(([name, pending, idle]) => ({
      name: String(name),
      pending: Number(pending),
      idleMs: Number(idle),
    })),
  }
}

/** XINFO replies are flat `[key, value, key, value…]` lists. */
function toRecord(flat: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {}
  for (let i = 0; i < flat.length; i += 2) record[String(flat[i])] = flat[i + 1]
  return record
}

/**
 * The bus operations, as plain Redis commands and scripts over whatever sends them: each adapter adds
 * only what differs between transports (sending, running scripts, interrupting, closing).
 * `blocking: false` drops `blockMs` for transports that must not hold a request open (REST).
 *
 * @example
 * const bus: Bus = { ...streamCommands(send, runScript, { blocking: true }), interrupt, close }
 */
export function streamCommands(
  call: SendCommand,
  runScript: RunScript,
  { blocking }: { blocking: boolean },
): Omit<Bus, 'interrupt' | 'close'> {
  return {
    async lastSeq(stream) {
      const top = await call<RawEntry[]>('XREVRANGE', stream, '+', '-', 'COUNT', 1)
      return top.length === 0 ? 0 : seqOf(top[0]![0])
    },
    async appendAfter(stream, expectedSeq, entries, origin = '') {
      const args = entries.flatMap((e) => [String(e.seq), e.type, e.envelope])
      const result = String(await runScript('appendAfter', [stream], [String(expectedSeq), origin, ...args]))
      return result === 'ok' ? { ok: true } : { ok: false, lastSeq: Number(result) }
    },
    async readBack(stream, count, beforeSeq) {
      const end = beforeSeq === undefined ? '+' : `(${beforeSeq}-0`
      return (await call<RawEntry[]>('XREVRANGE', stream, end, '-', 'COUNT', count)).map(toEntry)
    },
    async range(stream, fromSeq, toSeq, count) {
      return (await call<RawEntry[]>('XRANGE', stream, `${fromSeq}-0`, `${toSeq}-0`, 'COUNT', count)).map(
        toEntry,
      )
    },
    async trimBefore(stream, minSeq) {
      await call('XTRIM', stream, 'MINID', `${minSeq}-0`)
    },
    async claim(key, owner) {
      // One step: the earlier owner, or nothing when this call made `owner` the owner.
      return (await call<string | null>('SET', key, owner, 'NX', 'GET')) ?? owner
    },
    async addExpiring(key, member, expiresAtMs) {
      await call('ZADD', key, expiresAtMs, member)
    },
    async unexpired(key, nowMs) {
      await call('ZREMRANGEBYSCORE', key, '-inf', nowMs)
      const flat = await call<string[]>('ZRANGEBYSCORE', key, `(${nowMs}`, '+inf', 'WITHSCORES')
      const members: [string, number][] = []
      for (let i = 0; i < flat.length; i += 2) members.push([flat[i]!, Number(flat[i + 1])])
      return members
    },
    async getValue(key) {
      return (await call<string | null>('GET', key)) ?? undefined
    },
    async setValue(key, value) {
      await call('SET', key, value)
    },
    async ensureGroup(stream, group) {
      try {
        await call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
      } catch (error) {
        if (!String(error).includes('BUSYGROUP')) throw error
      }
    },
    async groups(stream) {
      try {
        return (await call<unknown[][]>('XINFO', 'GROUPS', stream)).map((flat) => {
          const info = toRecord(flat)
          return {
            name: String(info.name),
            lastDeliveredSeq: seqOf(String(info['last-delivered-id'])),
            pending: Number(info.pending),
          }
        })
      } catch (error) {
        if (String(error).includes('no such key')) return []
        throw error
      }
    },
    async oldestPending(stream, group) {
      const [count, smallest] = await call<[number, string | null]>('XPENDING', stream, group)
      return Number(count) > 0 && smallest ? seqOf(smallest) : undefined
    },
    async streamStatus(streams, group) {
      if (streams.length === 0) return []
      const replies = (await runScript('streamStatus', streams, [group])) as RawStatus[]
      return replies.map((reply, i) => toStatus(streams[i]!, reply))
    },
    async pendingIds(stream, group, fromSeq, toSeq, count) {
      const pending = await call<[string][]>('XPENDING', stream, group, `${fromSeq}-0`, `${toSeq}-0`, count)
      return pending.map(([id]) => id)
    },
    async setGroupPosition(stream, group, seq) {
      await call('XGROUP', 'SETID', stream, group, `${seq}-0`)
    },
    async deleteIdleConsumers(stream, group, minIdleMs, keep) {
      const deleted = await runScript('deleteIdleConsumers', [stream], [group, String(minIdleMs), keep])
      return (deleted as string[] | null) ?? []
    },
    async readGroup({ group, consumer, streams, from, count, blockMs }) {
      const block = blocking && blockMs !== undefined ? ['BLOCK', blockMs] : []
      const reply = await call<[string, RawEntry[]][] | null>(
        'XREADGROUP',
        ...['GROUP', group, consumer, 'COUNT', count, ...block, 'STREAMS', ...streams],
        ...streams.map(() => from),
      )
      return (reply ?? []).map(([stream, entries]) => ({ stream, entries: entries.map(toEntry) }))
    },
    async claimIdle(stream, group, consumer, minIdleMs, count) {
      const claimed: StreamEntry[] = []
      let cursor = '0-0'
      do {
        const [next, entries, deleted = []] = await call<[string, RawEntry[], string[]?]>(
          ...(['XAUTOCLAIM', stream, group, consumer, minIdleMs, cursor, 'COUNT', count] as const),
        )
        // Redis 7 drops pending entries that are no longer in the stream and names them apart;
        // Redis 6.2 returns them without fields.
        claimed.push(...entries.map(toEntry), ...deleted.map((id) => toEntry([id, null])))
        cursor = next
      } while (cursor !== '0-0' && claimed.length < count)
      return claimed
    },
    async deliveries(stream, group, entryId) {
      const pending = await call<[string, string, number, number][]>(
        'XPENDING',
        stream,
        group,
        entryId,
        entryId,
        1,
      )
      return pending[0]?.[3] ?? 0
    },
    async ack(stream, group, entryIds) {
      if (entryIds.length > 0) await call('XACK', stream, group, ...entryIds)
    },
    async deadLetter(stream, { group, entry, error, deliveries }) {
      // The bus's own fields last: an entry cannot pass off other values for them.
      const letter = {
        ...entry.fields,
        group,
        stream,
        entryId: entry.id,
        deliveries: String(deliveries),
        error,
        ...(entry.trimmed ? { trimmed: 'true' } : {}),
      }
      await runScript(
        'deadLetter',
        [stream, deadLetterStream(stream)],
        [group, entry.id, ...Object.entries(letter).flat()],
      )
    },
    async readDeadLetters(stream, count, afterId) {
      const start = afterId === undefined ? '-' : `(${afterId}`
      return (await call<RawEntry[]>('XRANGE', deadLetterStream(stream), start, '+', 'COUNT', count)).map(
        toEntry,
      )
    },
    async countDeadLetters(stream) {
      return Number(await call<number>('XLEN', deadLetterStream(stream)))
    },
    async deleteDeadLetters(stream, entryIds) {
      if (entryIds.length > 0) await call('XDEL', deadLetterStream(stream), ...entryIds)
    },
    async ping() {
      await call('PING')
    },
  }
}
