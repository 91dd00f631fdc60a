import { TZDate } from '@date-fns/tz'
import { addDays, dayOf } from '../../shared/days.ts'
import type { Api } from './api.ts'

/** A job as the workshop answers it (planning and read model alike). */
export interface Job {
  jobId: string
  date: string
  startTime: string
  endTime: string
  description: string
  customerId: string
  customerName?: string
  licenseNumber: string
  brand?: string
  vehicleType?: string
  actualStartTime?: string | null
  actualEndTime?: string | null
  notes?: string | null
  status?: string
}

const pad = (n: number) => String(n).padStart(2, '0')

/** The time of day of `instant` in `timeZone`, as `HH:MM`. */
export function timeInZone(instant: string, timeZone: string): string {
  const local = new TZDate(Date.parse(instant), timeZone)
  return `${pad(local.getHours())}:${pad(local.getMinutes())}`
}

/** The calendar day of `instant` in `timeZone`. */
export const dateInZone = (instant: string, timeZone: string) =>
  dayOf(new Date(Date.parse(instant)), timeZone)

/** The instant of `time` (`HH:MM`) on `date` in `timeZone`, as RFC 3339 with its offset; undefined if malformed. */
export function instantOf(date: string, time: string, timeZone: string): string | undefined {
  const [hours, minutes] = time.split(':').map(Number)
  const [year, month, day] = date.split('-').map(Number)
  if (!/^\d{2}:\d{2}$/.test(time) || [hours, minutes, year, month, day].some((n) => !Number.isInteger(n)))
    return undefined
  return new TZDate(year!, month! - 1, day!, hours!, minutes!, timeZone).toISOString()
}

/**
 * Today in the workshop's time zone, by the system's one clock (`GET /api/clock`, so a manual clock
 * moves the pages too). Without the clock service, the UTC day of the clock is unknown: then undefined.
 */
export async function workshopToday(api: Api) {
  const clock = await api.get<{ now: string; timeZone: string }>('/api/clock')
  const timeZone = clock.ok ? clock.data.timeZone : 'UTC'
  const date = clock.ok ? dayOf(new Date(clock.data.now), timeZone) : undefined
  return {
    date: date ?? '',
    known: date !== undefined,
    now: clock.ok ? clock.data.now : undefined,
    timeZone,
    plusDays: (days: number) => (date ? addDays(date, days) : ''),
  }
}

/** A short, readable moment in the workshop's zone: `2026-12-10 09:30`. */
export const momentInZone = (instant: string, timeZone: string) =>
  `${dateInZone(instant, timeZone)} ${timeInZone(instant, timeZone)}`
