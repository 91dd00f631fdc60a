import * as v from 'valibot'
import { WorkshopTimeZone, Workstations } from '../../shared/environment.ts'

/** How the workshop is run, from the environment. */
export const WorkshopSettings = v.object({
  /** How many jobs may overlap at any moment. */
  WORKSTATIONS: Workstations,
  /** The time zone planning dates are days in. */
  WORKSHOP_TZ: WorkshopTimeZone,
})
export type WorkshopSettings = v.InferOutput<typeof WorkshopSettings>
