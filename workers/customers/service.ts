import { defineService } from '../../shared/service.ts'
import { createCustomersApp } from './app.ts'

/** Customers own their registrations and announce each one with `CustomerRegistered`. */
export const customersService = defineService({
  name: 'customers',
  api: ['POST /api/customers', 'GET /api/customers', 'GET /api/customers/{customerId}'],
  create: (deps) => ({ app: createCustomersApp(deps), consumers: [] }),
})
