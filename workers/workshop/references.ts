import { eq, sql } from 'drizzle-orm'
import { LRUCache } from 'lru-cache'
import type * as v from 'valibot'
import type { JobCustomer, JobVehicle } from '../../shared/contracts/index.ts'
import type { Db } from '../../shared/db/database.ts'
import { refCustomers, refVehicles } from './schema.ts'
import { refuse } from './rules.ts'

type CustomerReference = Omit<v.InferOutput<typeof JobCustomer>, 'customerId'>
type VehicleReference = Omit<v.InferOutput<typeof JobVehicle>, 'licenseNumber'>

/**
 * Looks up the customer and vehicle a job is planned for in the reference data; unknown ones are
 * 422. The projection writes a reference row once and never changes it (customers and vehicles are
 * registered, not edited), so a row found once stays true: it is kept in memory, and planning for a
 * customer and vehicle seen before costs no query.
 */
export function createReferences(db: Db) {
  const lookup = db
    .select({
      customer: { name: refCustomers.name, telephoneNumber: refCustomers.telephoneNumber },
      vehicle: { brand: refVehicles.brand, type: refVehicles.type },
    })
    .from(refCustomers)
    .leftJoin(refVehicles, eq(refVehicles.licenseNumber, sql.placeholder('licenseNumber')))
    .where(eq(refCustomers.customerId, sql.placeholder('customerId')))
    .prepare()
  const customers = new LRUCache<string, CustomerReference>({ max: 10_000 })
  const vehicles = new LRUCache<string, VehicleReference>({ max: 10_000 })

  return async function referencesOf(customerId: string, licenseNumber: string) {
    let customer = customers.get(customerId)
    let vehicle = vehicles.get(licenseNumber)
    if (!customer || !vehicle) {
      const [found] = await lookup.all({ customerId, licenseNumber })
      customer = found?.customer
      vehicle = found?.vehicle ?? undefined
      if (!customer) throw refuse('unknown-customer', `Customer ${customerId} is not known to the workshop`)
      if (!vehicle) throw refuse('unknown-vehicle', `Vehicle ${licenseNumber} is not known to the workshop`)
      customers.set(customerId, customer)
      vehicles.set(licenseNumber, vehicle)
    }
    return {
      customer: { customerId, ...customer },
      vehicle: { licenseNumber, ...vehicle },
    }
  }
}
