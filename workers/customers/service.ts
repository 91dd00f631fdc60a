import type { ServiceDefinition } from '../../shared/service.ts'
import { createCustomersApp } from './app.ts'

/** Customers own their registrations and announce each one with `CustomerRegistered`. */
export const customersService: ServiceDefinition = {
  name: 'customers',
  create: (deps) => ({ app: createCustomersApp(deps), consumers: [] }),
}
