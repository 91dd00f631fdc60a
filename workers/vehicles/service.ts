import { defineService } from '../../shared/service.ts'
import { createVehiclesApp } from './app.ts'

/** Vehicles own the register of license numbers and announce each one with `VehicleRegistered`. */
export const vehiclesService = defineService({
  name: 'vehicles',
  api: ['POST /api/vehicles', 'GET /api/vehicles', 'GET /api/vehicles/{licenseNumber}'],
  create: (deps) => ({ app: createVehiclesApp(deps), consumers: [] }),
})
