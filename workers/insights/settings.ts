import * as v from 'valibot'
import { Positive, WorkshopTimeZone, Workstations } from '../../shared/environment.ts'

/** What utilisation is measured against, and whose days the figures count in, from the environment. */
export const InsightsSettings = v.object({
  /** How many jobs the workshop runs at once: the variable the workshop plans with, so both agree. */
  WORKSTATIONS: Workstations,
  /**
   * How many hours a workstation is open each day. The workshop plans jobs anywhere within a day and has
   * no opening hours of its own, so the capacity utilisation is measured against is set here.
   */
  WORKDAY_HOURS: v.optional(v.pipe(Positive, v.maxValue(24, 'must be at most 24')), '8'),
  /** The time zone whose days the figures are counted in, as the workshop plans. */
  WORKSHOP_TZ: WorkshopTimeZone,
})
export type InsightsSettings = v.InferOutput<typeof InsightsSettings>
