import * as v from 'valibot'
import { Positive, WorkshopTimeZone } from '../../shared/environment.ts'

/** How the workshop is run, from the environment. */
export const WorkshopSettings = v.object({
  /** How many jobs may overlap at any moment. */
  WORKSTATIONS: v.optional(Positive, '3'),
  /** The time zone planning dates are days in. */
  WORKSHOP_TZ: WorkshopTimeZone,
})
export type WorkshopSettings = v.InferOutput<typeof WorkshopSettings>
