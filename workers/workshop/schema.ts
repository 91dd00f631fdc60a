import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export {
  consumerGaps,
  consumerPositions,
  events,
  inbox,
  kernelMeta,
  outbox,
  snapshots,
} from '../../shared/db/kernel-schema.ts'

// Reference data copied from the customers and vehicles streams, so planning works while they are down.
export const refCustomers = sqliteTable('ref_customers', {
  customerId: text('customer_id').primaryKey(),
  name: text('name').notNull(),
  address: text('address').notNull(),
  postalCode: text('postal_code').notNull(),
  city: text('city').notNull(),
  telephoneNumber: text('telephone_number').notNull(),
  emailAddress: text('email_address').notNull(),
})

export const refVehicles = sqliteTable('ref_vehicles', {
  licenseNumber: text('license_number').primaryKey(),
  brand: text('brand').notNull(),
  type: text('type').notNull(),
  ownerId: text('owner_id').notNull(),
})

/**
 * Jobs per day. Planned and finished columns are written by different events that may be applied in
 * either order (several consumers), so each event upserts only its own columns.
 */
export const jobs = sqliteTable(
  'jobs',
  {
    jobId: text('job_id').primaryKey(),
    date: text('date').notNull(),
    startTime: text('start_time'),
    endTime: text('end_time'),
    description: text('description'),
    customerId: text('customer_id'),
    customerName: text('customer_name'),
    telephoneNumber: text('telephone_number'),
    licenseNumber: text('license_number'),
    brand: text('brand'),
    vehicleType: text('vehicle_type'),
    actualStartTime: text('actual_start_time'),
    actualEndTime: text('actual_end_time'),
    notes: text('notes'),
  },
  (t) => [index('jobs_date').on(t.date, t.startTime)],
)
