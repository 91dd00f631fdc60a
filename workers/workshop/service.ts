import type { ServiceDefinition } from '../../shared/service.ts'
import { createWorkshopApp } from './app.ts'
import { workshopProjection, WORKSHOP_GROUP } from './projection.ts'
import { jobs, refCustomers, refVehicles } from './schema.ts'

/**
 * The workshop plans maintenance jobs per day (event-sourced `WorkshopPlanning`) and keeps its own copy
 * of customers and vehicles, so planning keeps working while those services are down.
 */
export const workshopService: ServiceDefinition = {
  name: 'workshop',
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
}
