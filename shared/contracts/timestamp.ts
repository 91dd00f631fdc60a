import * as v from 'valibot'

/**
 * The first year a date or time may have. Date arithmetic in JavaScript (and so in the date library the
 * planning rules use) reads years 0–99 as 1900–1999; nothing this system plans lies before 1900.
 */
export const FIRST_YEAR = 1900

// RFC 3339 `date-time` (section 5.6), `T` and `Z` in either case as it allows. No space for `T`, no
// `+01` or `+0100` offsets: what it leaves out is refused, never guessed. Ranges are checked after.
const RFC_3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate()

/**
 * The instant a timestamp matching `RFC_3339` names, in milliseconds since the epoch, or why it names none.
 * Exact: what `Date.parse` rolls over (Feb 30, hour 24) or cannot read (`+01`) is refused.
 */
function instantOf(match: RegExpExecArray): number | string {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const [, , , , , , , fraction = '', sign, offsetHours = '00', offsetMinutes = '00'] = match
  if (year < FIRST_YEAR) return `must be in the year ${FIRST_YEAR} or later`
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return 'must be a date that exists'
  // JavaScript time has no leap seconds: 23:59:60 could only be stored as another time.
  if (second === 60) return 'must not be a leap second (seconds run 00–59)'
  if (hour > 23 || minute > 59 || second > 59) return 'must be a time that exists (00:00:00–23:59:59)'
  if (Number(offsetHours) > 23 || Number(offsetMinutes) > 59)
    return 'must have an offset from -23:59 to +23:59'
  // Trailing zeros say nothing more; other digits past the milliseconds would be lost.
  if (/[^0]/.test(fraction.slice(3))) return 'must not be more precise than milliseconds (3 decimals)'
  const offset = (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes))
  const ms = Number(fraction.slice(0, 3).padEnd(3, '0'))
  const instant = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset * 60_000
  if (instant < Date.UTC(FIRST_YEAR, 0, 1) || instant >= Date.UTC(10_000, 0, 1))
    return `must be in the years ${FIRST_YEAR} to 9999 in UTC`
  return instant
}

/**
 * A point in time, as RFC 3339 with `Z` or a full `±hh:mm` offset, in a date and time that exist, to the
 * millisecond at most. Its output is one canonical UTC form, `2026-12-11T17:00:00.000Z`: every rule
 * compares the same instants, and text order is time order in every table and list.
 *
 * @example
 * v.parse(Timestamp, '2026-12-11T18:00:00+01:00') // '2026-12-11T17:00:00.000Z'
 * v.parse(Timestamp, '2026-12-11T18:00:00+01') // throws: must be an RFC 3339 timestamp …
 */
export const Timestamp = v.pipe(
  v.string(),
  v.regex(
    RFC_3339,
    'must be an RFC 3339 timestamp with Z or a ±hh:mm offset, like 2026-12-11T18:00:00+01:00',
  ),
  v.metadata({
    // For services in other languages: RFC 3339's date-time, the pattern narrows it as above.
    format: 'date-time',
    description:
      'RFC 3339 with Z or ±hh:mm, at most milliseconds, years 1900–9999; carried in events as UTC, e.g. 2026-12-11T17:00:00.000Z',
  }),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    // The regex before has matched: this only reads its groups.
    const instant = instantOf(RFC_3339.exec(dataset.value)!)
    if (typeof instant === 'string') {
      addIssue({ message: instant })
      return NEVER
    }
    return new Date(instant).toISOString()
  }),
)

// What the contracts accepted before times were made exact and canonical (valibot's `isoTimestamp`), so
// what events recorded then may hold: a space for `T`, up to nine decimals, `±hh` or `±hhmm` offsets.
const EARLIER_FORMS =
  /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(?:(Z)| ?([+-]\d{2})(?::?(\d{2}))?)$/

/**
 * The instant a recorded time names, in milliseconds (NaN if none): the canonical form, or one of the
 * forms accepted before it, read as `±hh` → `±hh:00` and to the millisecond. A date that does not exist
 * rolls over, as it did when it was accepted.
 */
function recordedInstant(text: string): number {
  const earlier = EARLIER_FORMS.exec(text)
  if (!earlier) return Number.NaN
  const [, date, time, fraction = '', zulu, hours, minutes = '00'] = earlier
  return Date.parse(`${date}T${time}.${fraction.slice(0, 3).padEnd(3, '0')}${zulu ?? `${hours}:${minutes}`}`)
}

/**
 * A time as events carry it: canonical UTC, or (in events recorded before times were canonical) one of the
 * forms accepted then, read as its instant and turned into the canonical form. Events are facts: a
 * consumer reads what was recorded; `Timestamp` keeps new input exact.
 *
 * @example
 * v.parse(RecordedTimestamp, '2026-12-11 18:00:00+01') // '2026-12-11T17:00:00.000Z'
 */
export const RecordedTimestamp = v.pipe(
  v.string(),
  v.metadata({
    format: 'date-time',
    description:
      'UTC, e.g. 2026-12-11T17:00:00.000Z (events recorded before 2026-12 may hold other ISO forms)',
  }),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const instant = recordedInstant(dataset.value)
    if (!Number.isNaN(instant)) return new Date(instant).toISOString()
    addIssue({ message: 'must be a timestamp' })
    return NEVER
  }),
)

const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/**
 * A time an aggregate replays from its recorded events, in the canonical form: as it is when it is (every
 * time recorded since times were canonical), else read as the instant it names.
 */
export const canonicalTime = (recorded: string): string =>
  CANONICAL.test(recorded) ? recorded : new Date(recordedInstant(recorded)).toISOString()
