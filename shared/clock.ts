import { V7Generator } from 'uuidv7'

/** The one source of time: injected everywhere so tests (and a manual clock) can control it. */
export interface Clock {
  now(): Date
}
export const systemClock: Clock = { now: () => new Date() }

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
