import { defineService } from '../../shared/service.ts'
import { access } from './access.ts'
import { createVehiclesApp } from './app.ts'

/** Vehicles own the register of license numbers and announce each one with `VehicleRegistered`. */
export const vehiclesService = defineService({
  name: 'vehicles',
  access,
  create: (deps) => ({ app: createVehiclesApp(deps), consumers: [] }),
})
