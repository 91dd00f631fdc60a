import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export {
  consumerGaps,
  consumerPositions,
  events,
  inbox,
  kernelMeta,
  kernelRequests,
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
 * Every job id ever planned, with its planning's date: a job id is unique across all plannings (repairs
 * refer to a job by its id alone). A plan inserts its row in the same batch as its event, so the primary
 * key refuses a second planning of the id atomically, whichever planning it goes to.
 */
export const jobIds = sqliteTable('job_ids', {
  jobId: text('job_id').primaryKey(),
  date: text('date').notNull(),
})

/**
 * Jobs per day. Planned and finished columns are written by different events that may be applied in
 * either order (several consumers), so each event upserts only its own columns, and only into the row
 * of its own date (a job id planned on two dates before `job_ids` existed must not mix two jobs).
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
