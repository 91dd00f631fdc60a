import { uuidv7 } from 'uuidv7'

/** The one source of time: injected everywhere so tests (and a manual clock) can control it. */
export interface Clock {
  now(): Date
}
export const systemClock: Clock = { now: () => new Date() }

/** Ids are injected too; events and generated resource ids are UUIDv7 (time-ordered). */
export type NewId = () => string
export const newUuidV7: NewId = uuidv7
