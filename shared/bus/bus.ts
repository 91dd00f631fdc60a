/**
 * The event bus port: Redis Streams operations the outbox relay and the consumer groups rely on.
 * Adapters (ioredis over TCP, Upstash over REST) implement it side by side.
 */
export interface Bus {
  /** Seq of the newest entry in `stream`, 0 when the stream is empty or missing. */
  lastSeq(stream: string): Promise<number>
  /**
   * Appends entries with ids `<seq>-0` (stamped with the publisher's `origin` when given), atomically
   * and only if the stream still ends at `expectedSeq`. Returns the seq it really ends at otherwise
   * (another relay published, or Redis lost the stream).
   */
  appendAfter(
    stream: string,
    expectedSeq: number,
    entries: OutboxEntry[],
    origin?: string,
  ): Promise<AppendResult>
  /** Up to `count` entries, newest first, before the entry with seq `beforeSeq` (from the end when absent). */
  readBack(stream: string, count: number, beforeSeq?: number): Promise<StreamEntry[]>
  /** Up to `count` entries with seqs in `[fromSeq, toSeq]`, oldest first. */
  range(stream: string, fromSeq: number, toSeq: number, count: number): Promise<StreamEntry[]>
  /** Deletes every entry with a seq below `minSeq`. */
  trimBefore(stream: string, minSeq: number): Promise<void>
  /**
   * Makes `owner` the owner of `key` unless someone else already is; returns the owner. A deployment
   * claims its streams and groups this way, so a second one on the same prefix is noticed.
   */
  claim(key: string, owner: string): Promise<string>
  /** The text at `key`, undefined when there is none: a value every process of a deployment shares. */
  getValue(key: string): Promise<string | undefined>
  /** Sets `key` to `value`, for every process of the deployment to read (`getValue`). */
  setValue(key: string, value: string): Promise<void>
  /** Creates the group reading from the start of the stream (and the stream itself) unless it exists. */
  ensureGroup(stream: string, group: string): Promise<void>
  /** The stream's groups: how far each was delivered and how many entries it has not acknowledged. */
  groups(stream: string): Promise<GroupInfo[]>
  /** Seq of the oldest entry the group has not acknowledged, undefined when none is pending. */
  oldestPending(stream: string, group: string): Promise<number | undefined>
  /**
   * How `group` stands on each of `streams`, in their order, for operators (`/health`): the stream's
   * length and last entry, how far the group was delivered, what it holds unacknowledged and its
   * consumers. One round trip for all the streams, since load balancers ask `/health` often.
   * A missing stream, or one the group does not read yet, shows as empty or undelivered, not as an error.
   */
  streamStatus(streams: string[], group: string): Promise<StreamStatus[]>
  /** Ids of the group's pending entries with seqs in `[fromSeq, toSeq]`, `count` at most. */
  pendingIds(stream: string, group: string, fromSeq: number, toSeq: number, count: number): Promise<string[]>
  /** Moves the group's delivery position back (or on) to `seq`: entries after it are delivered again. */
  setGroupPosition(stream: string, group: string, seq: number): Promise<void>
  /** Deletes the group's consumers (but `keep`) with nothing pending, idle longer than `minIdleMs`; returns their names. */
  deleteIdleConsumers(stream: string, group: string, minIdleMs: number, keep: string): Promise<string[]>
  /** XREADGROUP: new entries with `from: '>'`, this consumer's pending entries with `from: '0'`. */
  readGroup(request: ReadRequest): Promise<StreamBatch[]>
  /**
   * XAUTOCLAIM: entries pending longer than `minIdleMs` in any consumer of the group become ours.
   * Pending entries no longer in the stream come back as `{ id, fields: {}, trimmed: true }`.
   */
  claimIdle(
    stream: string,
    group: string,
    consumer: string,
    minIdleMs: number,
    count: number,
  ): Promise<StreamEntry[]>
  /** How many times the entry has been delivered to the group (0 when it is no longer pending). */
  deliveries(stream: string, group: string, entryId: string): Promise<number>
  ack(stream: string, group: string, entryIds: string[]): Promise<void>
  /** Appends to `<stream>.dlq` with the reason and acknowledges the entry, in one step. */
  deadLetter(stream: string, letter: DeadLetter): Promise<void>
  /** Up to `count` dead letters of `stream`, oldest first, after the letter `afterId` when given. */
  readDeadLetters(stream: string, count: number, afterId?: string): Promise<StreamEntry[]>
  countDeadLetters(stream: string): Promise<number>
  deleteDeadLetters(stream: string, entryIds: string[]): Promise<void>
  /** Adds `member` to the sorted set `key`, until `expiresAtMs` (revoked sessions with their expiry). */
  addExpiring(key: string, member: string, expiresAtMs: number): Promise<void>
  /** The members of the sorted set `key` expiring after `nowMs`, with their expiries; drops the others. */
  unexpired(key: string, nowMs: number): Promise<[member: string, expiresAtMs: number][]>
  /** Ends a blocking read in progress on this bus early, as if it had timed out; the connection stays open. */
  interrupt(): Promise<void>
  ping(): Promise<void>
  close(): Promise<void>
}

export interface OutboxEntry {
  seq: number
  type: string
  envelope: string
}
export type AppendResult = { ok: true } | { ok: false; lastSeq: number }

export interface ReadRequest {
  group: string
  consumer: string
  streams: string[]
  from: '>' | '0'
  count: number
  blockMs?: number
}
export interface StreamEntry {
  id: string
  fields: Record<string, string>
  /** A pending entry deleted from the stream (trimmed) before it was acknowledged. */
  trimmed?: true
}
export interface StreamBatch {
  stream: string
  entries: StreamEntry[]
}
export interface DeadLetter {
  group: string
  entry: StreamEntry
  error: string
  deliveries: number
}
export interface GroupInfo {
  name: string
  lastDeliveredSeq: number
  pending: number
}

/** `Bus.streamStatus` of one stream: Redis's own numbers, nothing derived. */
export interface StreamStatus {
  stream: string
  /** XLEN: the entries the stream still holds (trimming removes the oldest). */
  length: number
  /** Seq of the stream's last entry, 0 when it is empty or missing. */
  lastSeq: number
  /** Seq of the last entry delivered to the group, 0 when it has none (or does not exist). */
  lastDeliveredSeq: number
  /** Entries delivered to the group and not acknowledged. */
  pending: number
  /** How long ago the oldest pending entry (the lowest id) was last delivered; absent when none is pending. */
  oldestPendingMs?: number
  /** The group's consumers on this stream, by name. */
  consumers: ConsumerStatus[]
}
export interface ConsumerStatus {
  name: string
  /** Entries delivered to this consumer and not acknowledged. */
  pending: number
  /** Milliseconds since the consumer last read (or claimed). */
  idleMs: number
}

export const deadLetterStream = (stream: string) => `${stream}.dlq`
export const serviceStream = (prefix: string, service: string) => `${prefix}.${service}`
/** The seq of a stream entry id `<seq>-0`. */
export const seqOf = (id: string) => Number(id.slice(0, id.indexOf('-')))
