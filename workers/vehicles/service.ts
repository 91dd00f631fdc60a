import type { ServiceDefinition } from '../../shared/service.ts'
import { createVehiclesApp } from './app.ts'

/** Vehicles own the register of license numbers and announce each one with `VehicleRegistered`. */
export const vehiclesService: ServiceDefinition = {
  name: 'vehicles',
  create: (deps) => ({ app: createVehiclesApp(deps), consumers: [] }),
}
