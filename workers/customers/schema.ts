import { sqliteTable, text } from 'drizzle-orm/sqlite-core'

export { kernelMeta, kernelRequests, outbox } from '../../shared/db/kernel-schema.ts'

export const customers = sqliteTable('customers', {
  customerId: text('customer_id').primaryKey(),
  name: text('name').notNull(),
  address: text('address').notNull(),
  postalCode: text('postal_code').notNull(),
  city: text('city').notNull(),
  telephoneNumber: text('telephone_number').notNull(),
  emailAddress: text('email_address').notNull(),
})
