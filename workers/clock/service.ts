import { defineService } from '../../shared/service.ts'
import { access } from './access.ts'
import { createClockApp } from './app.ts'
import { clockCalendar } from './calendar.ts'
import { ClockSettings } from './settings.ts'

/**
 * The clock announces each calendar day in `WORKSHOP_TZ` that has passed (`DayHasPassed`), right after
 * its midnight; with `CLOCK=manual` it also keeps the time standing still and moves it on request.
 */
export const clockService = defineService({
  name: 'clock',
  access,
  settings: ClockSettings,
  create: (deps) => {
    const calendar = clockCalendar(deps)
    return { app: createClockApp(deps, calendar), consumers: [], tick: calendar.tick }
  },
})
