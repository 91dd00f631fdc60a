import type { ServiceDefinition } from '../shared/service.ts'
import { authService } from './auth/service.ts'
import { clockService } from './clock/service.ts'
import { customersService } from './customers/service.ts'
import { insightsService } from './insights/service.ts'
import { notificationsService } from './notifications/service.ts'
import { partsService } from './parts/service.ts'
import { repairsService } from './repairs/service.ts'
import { supportService } from './support/service.ts'
import { vehiclesService } from './vehicles/service.ts'
import { workshopService } from './workshop/service.ts'

/**
 * Every service of Pitstop, in start order. Adding a service is its folder under `workers/` and one
 * line here: the hosts, the gateway's routes and index, the edge workers and their configs, the
 * migrations and `/health` all follow this list.
 */
export const services: ServiceDefinition[] = [
  clockService,
  authService,
  customersService,
  vehiclesService,
  workshopService,
  repairsService,
  partsService,
  notificationsService,
  supportService,
  insightsService,
]

export const serviceNames = services.map((service) => service.name)
