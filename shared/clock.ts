import { V7Generator } from 'uuidv7'

import type { Bus } from './bus/bus.ts'

/** The one source of time: injected everywhere so tests (and a manual clock) can control it. */
export interface Clock {
  now(): Date
}
/** The system's time: the default clock, and what infrastructure times itself by (alarms, deadlines). */
export const systemClock: Clock = { now: () => new Date() }

/** Where a manual clock's time is shared with other processes: a key every process of the deployment reads. */
export interface SharedTime {
  bus: Pick<Bus, 'getValue' | 'setValue'>
  key: string
}

/** The key a deployment's manual time is shared at: `<prefix>.clock.manual`. */
export const manualTimeKey = (streamPrefix: string) => `${streamPrefix}.clock.manual`

/**
 * A clock whose time stands still until it is moved (`CLOCK=manual`, for tests and demonstrations). All
 * services of a process share one, so they see a move at once; `advanceTo` also writes the time to
 * `shared`, from where the manual clocks of other processes (and workers) take it when their host calls
 * `sync`. Once it knows a time (moved, or synced), it never goes back.
 *
 * @example
 * const clock = new ManualClock(systemClock.now(), { bus, key: manualTimeKey('pitstop') })
 * await clock.advanceTo(new Date('2026-12-02T00:00:00Z')) // here, and shared
 * await otherProcessesClock.sync() // takes 2026-12-02T00:00:00.000Z
 */
export class ManualClock implements Clock {
  #time: number
  #known = false
  readonly #moved = new Set<() => void>()

  constructor(
    start: Date,
    private readonly shared?: SharedTime,
  ) {
    this.#time = start.getTime()
  }

  now(): Date {
    return new Date(this.#time)
  }

  /** Moves this process's time to `to` (unless it knows a later one) and shares it with the others. */
  async advanceTo(to: Date): Promise<void> {
    this.#take(to.getTime())
    await this.shared?.bus.setValue(this.shared.key, to.toISOString())
  }

  /** Takes the time shared by the process that last moved the clock, if it is later than this one's. */
  async sync(): Promise<void> {
    if (!this.shared) return
    const shared = await this.shared.bus.getValue(this.shared.key)
    const time = shared === undefined ? Number.NaN : Date.parse(shared)
    if (!Number.isNaN(time)) this.#take(time)
  }

  /** Calls `listener` whenever the time moves on: work falling due by the move is done at once. */
  onMove(listener: () => void): () => void {
    this.#moved.add(listener)
    return () => this.#moved.delete(listener)
  }

  // The first time it learns is taken as it is: the clock started at the system's time, which may be
  // later than the manual time standing still since an earlier run.
  #take(time: number) {
    if (this.#known && time <= this.#time) return
    const moved = time !== this.#time
    this.#time = time
    this.#known = true
    if (moved) for (const listener of this.#moved) listener()
  }
}

/** Ids are injected too; events and generated resource ids are UUIDv7 (time-ordered). */
export type NewId = () => string

/**
 * Random words from the platform's CSPRNG, fetched 1,024 at a time: `crypto.getRandomValues` costs about
 * a microsecond a call however little it fills, and an id takes one word (three on a new millisecond).
 */
function batchedRandom(words = 1024) {
  const buffer = new Uint32Array(words)
  let next = words
  return {
    nextUint32(): number {
      if (next === words) {
        crypto.getRandomValues(buffer)
        next = 0
      }
      return buffer[next++]!
    },
  }
}

const hex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))
const generator = new V7Generator(batchedRandom())

/**
 * A UUIDv7, each greater than the one before in this process (uuidv7's generator: a counter within a
 * millisecond, and the last timestamp kept if the clock steps back). Written out a byte at a time from a
 * table, rather than by the library's digit-by-digit `toString`.
 *
 * @example
 * newUuidV7() // '0193a6c2-5c3e-7f1a-9b2d-4e5f60718293'
 */
export const newUuidV7: NewId = () => {
  const bytes = generator.generate().bytes
  let text = ''
  for (let i = 0; i < 16; i++) text += (i === 4 || i === 6 || i === 8 || i === 10 ? '-' : '') + hex[bytes[i]!]
  return text
}
