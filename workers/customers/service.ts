import { defineService } from '../../shared/service.ts'
import { access } from './access.ts'
import { createCustomersApp } from './app.ts'

/** Customers own their registrations and announce each one with `CustomerRegistered`. */
export const customersService = defineService({
  name: 'customers',
  access,
  create: (deps) => ({ app: createCustomersApp(deps), consumers: [] }),
})
