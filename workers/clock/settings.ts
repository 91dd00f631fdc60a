import * as v from 'valibot'
import { WorkshopTimeZone } from '../../shared/environment.ts'

/** How the clock is run, from the environment (its mode, `CLOCK`, is the host's: it makes the clock). */
export const ClockSettings = v.object({
  /** The time zone whose days pass at its midnights; the workshop plans in the same one. */
  WORKSHOP_TZ: WorkshopTimeZone,
})
export type ClockSettings = v.InferOutput<typeof ClockSettings>
