import { defineService } from '../../shared/service.ts'
import { access } from './access.ts'
import { createWorkshopApp } from './app.ts'
import { workshopProjection, WORKSHOP_GROUP } from './projection.ts'
import { jobs, refCustomers, refVehicles } from './schema.ts'
import { WorkshopSettings } from './settings.ts'

/**
 * The workshop plans maintenance jobs per day (event-sourced `WorkshopPlanning`) and keeps its own copy
 * of customers and vehicles, so planning keeps working while those services are down.
 */
export const workshopService = defineService({
  name: 'workshop',
  access,
  settings: WorkshopSettings,
  create: (deps) => ({
    app: createWorkshopApp(deps),
    consumers: [
      {
        group: WORKSHOP_GROUP,
        reads: ['customers', 'vehicles', 'workshop'],
        handle: workshopProjection(deps.db),
        readModel: [refCustomers, refVehicles, jobs],
      },
    ],
  }),
})
