import { TZDate } from '@date-fns/tz'

// Calendar days as `YYYY-MM-DD` (in the workshop's time zone, for the services); in that form, text
// order is day order.

const pad = (n: number, width = 2) => String(n).padStart(width, '0')
const partsOf = (date: string) => date.split('-').map(Number) as [number, number, number]

/** The calendar day `instant` falls on in `timeZone`. */
export function dayOf(instant: Date, timeZone: string): string {
  const local = new TZDate(instant.getTime(), timeZone)
  return `${pad(local.getFullYear(), 4)}-${pad(local.getMonth() + 1)}-${pad(local.getDate())}`
}

/** The calendar day `days` after `date` (before it, for a negative number), whatever the time zone. */
export function addDays(date: string, days: number): string {
  const [year, month, day] = partsOf(date)
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10)
}

/** The calendar day after `date`, whatever the time zone. */
export const dayAfter = (date: string) => addDays(date, 1)

/** How many days `from` to `to` spans, both counted: 1 for a single day. */
export const daysSpanned = (from: string, to: string) =>
  Math.round((Date.UTC(...ymd(to)) - Date.UTC(...ymd(from))) / 86_400_000) + 1

const ymd = (date: string): [number, number, number] => {
  const [year, month, day] = partsOf(date)
  return [year, month - 1, day]
}

/** Every day from `from` to `to`, both included, in order. */
export function daysFrom(from: string, to: string): string[] {
  const days: string[] = []
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day)
  return days
}

/**
 * The instant `date` begins in `timeZone`: its midnight, or where daylight saving time skips midnight,
 * the first moment the day has.
 */
export function startOfDay(date: string, timeZone: string): Date {
  const [year, month, day] = partsOf(date)
  return new Date(new TZDate(year, month - 1, day, timeZone).getTime())
}
