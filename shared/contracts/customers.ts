import * as v from 'valibot'
import { eventContract, type DomainEvent } from './envelope.ts'
import { Identifier, requiredText } from './text.ts'

export const CustomerId = Identifier

export const Customer = v.object({
  customerId: CustomerId,
  name: requiredText(100),
  address: requiredText(200),
  postalCode: requiredText(20),
  city: requiredText(100),
  telephoneNumber: v.pipe(requiredText(30), v.regex(/^\+?[0-9 ()-]+$/, 'must be a telephone number')),
  emailAddress: v.pipe(requiredText(254), v.email('must be an email address')),
})
export type Customer = v.InferOutput<typeof Customer>

/** Body of `POST /api/customers`; the id is generated when absent. */
export const RegisterCustomerBody = v.object({ ...Customer.entries, customerId: v.optional(CustomerId) })

export const CustomerRegistered = eventContract('CustomerRegistered', 1, Customer)
export type CustomerRegistered = DomainEvent<typeof CustomerRegistered>
