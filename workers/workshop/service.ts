import { EventStore } from '../../shared/event-store/event-store.ts'
import { defineService } from '../../shared/service.ts'
import { access } from './access.ts'
import { createWorkshopApp } from './app.ts'
import { workshopProjection, WORKSHOP_GROUP } from './projection.ts'
import { finishJobsOfCompletedRepairs } from './repair-completions.ts'
import { jobs, refCustomers, refVehicles } from './schema.ts'
import { WorkshopSettings } from './settings.ts'

/**
 * The workshop plans maintenance jobs per day (event-sourced `WorkshopPlanning`) and keeps its own copy
 * of customers and vehicles, so planning keeps working while those services are down. A completed
 * repair finishes its job.
 */
export const workshopService = defineService({
  name: 'workshop',
  access,
  settings: WorkshopSettings,
  create: (deps) => {
    const project = workshopProjection(deps.db)
    const finishJobOf = finishJobsOfCompletedRepairs(new EventStore(deps.db), deps)
    return {
      app: createWorkshopApp(deps),
      consumers: [
        {
          group: WORKSHOP_GROUP,
          reads: ['customers', 'vehicles', 'workshop', 'repairs'],
          handle: (event) => (event.type === 'RepairCompleted' ? finishJobOf(event) : project(event)),
          readModel: [refCustomers, refVehicles, jobs],
        },
      ],
    }
  },
})
