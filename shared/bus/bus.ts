/**
 * The event bus port: Redis Streams operations the outbox relay and the consumer groups rely on.
 * Adapters (ioredis over TCP, Upstash over REST) implement it side by side.
 */
export interface Bus {
  /** Seq of the newest entry in `stream`, 0 when the stream is empty or missing. */
  lastSeq(stream: string): Promise<number>
  /**
   * Appends entries with ids `<seq>-0`, atomically and only if the stream still ends at `expectedSeq`.
   * Returns the seq it really ends at otherwise (another relay published, or Redis lost the stream).
   */
  appendAfter(stream: string, expectedSeq: number, entries: OutboxEntry[]): Promise<AppendResult>
  /** Creates the group reading from the start of the stream (and the stream itself) unless it exists. */
  ensureGroup(stream: string, group: string): Promise<void>
  /** XREADGROUP: new entries with `from: '>'`, this consumer's pending entries with `from: '0'`. */
  readGroup(request: ReadRequest): Promise<StreamBatch[]>
  /** XAUTOCLAIM: entries pending longer than `minIdleMs` in any consumer of the group become ours. */
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
  /** Appends to `<stream>.dlq` with the reason, for inspection and re-drive. */
  deadLetter(stream: string, letter: DeadLetter): Promise<void>
  readDeadLetters(stream: string, count: number): Promise<StreamEntry[]>
  deleteDeadLetters(stream: string, entryIds: string[]): Promise<void>
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

export const deadLetterStream = (stream: string) => `${stream}.dlq`
export const serviceStream = (prefix: string, service: string) => `${prefix}.${service}`
