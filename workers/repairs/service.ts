import { EventStore } from '../../shared/event-store/event-store.ts'
import { defineService } from '../../shared/service.ts'
import { access } from './access.ts'
import { createRepairsApp } from './app.ts'
import { REPAIRS_GROUP, repairsConsumer } from './consumer.ts'
import { approvalExpiry } from './expiry.ts'
import { repairCommands } from './repair-commands.ts'
import { jobs } from './schema.ts'
import { RepairsSettings } from './settings.ts'

/**
 * Repairs of planned jobs (event-sourced `Repair`): started by a mechanic, extra work proposed and priced
 * with the parts the parts service reserved, approved or rejected by the customer before it expires, and
 * completed. Its tick records the approvals that expired.
 */
export const repairsService = defineService({
  name: 'repairs',
  access,
  settings: RepairsSettings,
  create: (deps) => {
    // One store for requests, the consumer and the tick: they share its recent repairs.
    const store = new EventStore(deps.db)
    const execute = repairCommands(deps, store)
    return {
      app: createRepairsApp(deps, store, execute),
      consumers: [
        {
          group: REPAIRS_GROUP,
          reads: ['workshop', 'parts'],
          handle: repairsConsumer(deps, store),
          // Only the jobs come from the streams alone; repairs are this service's own.
          readModel: [jobs],
        },
      ],
      tick: approvalExpiry(deps, execute),
    }
  },
})
