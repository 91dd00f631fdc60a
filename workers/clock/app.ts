import { AdvanceClockBody } from '../../shared/contracts/index.ts'
import { ruleBook } from '../../shared/errors.ts'
import { createApp } from '../../shared/http/create-app.ts'
import { eventMetadata } from '../../shared/http/request-context.ts'
import { validate } from '../../shared/http/validate.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { access } from './access.ts'
import type { clockCalendar } from './calendar.ts'

const refuse = ruleBook({ 'clock-not-manual': 409 })
const clockNotManual = () =>
  refuse(
    'clock-not-manual',
    'The clock is the system’s (CLOCK=system); only a manual clock (CLOCK=manual) is advanced',
  )

/** The clock's HTTP API: its time, and moving a manual clock on. */
export function createClockApp(deps: ServiceDeps, calendar: ReturnType<typeof clockCalendar>) {
  return createApp(deps, access)
    .get('/api/clock', async (c) => c.json(await calendar.view()))
    .post('/api/clock/advance', validate('json', AdvanceClockBody), async (c) => {
      if (calendar.mode !== 'manual') throw clockNotManual()
      const daysPassed = await calendar.advance(c.req.valid('json').to, eventMetadata(c))
      return c.json({ ...(await calendar.view()), daysPassed })
    })
}
