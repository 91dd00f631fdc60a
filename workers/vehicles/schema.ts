import { sqliteTable, text } from 'drizzle-orm/sqlite-core'

export { kernelMeta, kernelRequests, outbox } from '../../shared/db/kernel-schema.ts'

export const vehicles = sqliteTable('vehicles', {
  licenseNumber: text('license_number').primaryKey(),
  brand: text('brand').notNull(),
  type: text('type').notNull(),
  ownerId: text('owner_id').notNull(),
})
