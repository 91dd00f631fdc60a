import { TZDate } from '@date-fns/tz'

// Calendar days as `YYYY-MM-DD`: in that form, text order is day order.

const pad = (n: number, width = 2) => String(n).padStart(width, '0')
const partsOf = (date: string) => date.split('-').map(Number) as [number, number, number]

/** The calendar day `instant` falls on in `timeZone`. */
export function dayOf(instant: Date, timeZone: string): string {
  const local = new TZDate(instant.getTime(), timeZone)
  return `${pad(local.getFullYear(), 4)}-${pad(local.getMonth() + 1)}-${pad(local.getDate())}`
}

/** The calendar day after `date`, whatever the time zone. */
export function dayAfter(date: string): string {
  const [year, month, day] = partsOf(date)
  return new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10)
}

/**
 * The instant `date` begins in `timeZone`: its midnight, or where daylight saving time skips midnight
 * (clocks going from 23:59:59 to 01:00), the first moment the day has.
 */
export function startOfDay(date: string, timeZone: string): Date {
  const [year, month, day] = partsOf(date)
  return new Date(new TZDate(year, month - 1, day, timeZone).getTime())
}
