import { and, eq } from 'drizzle-orm'
import * as v from 'valibot'
import { CustomerId, LicenseNumber, RegisterVehicleBody } from '../../shared/contracts/index.ts'
import { isUniqueViolation } from '../../shared/db/database.ts'
import { toEnvelopes } from '../../shared/envelope.ts'
import { ruleBook } from '../../shared/errors.ts'
import { customerScope, ownedItem } from '../../shared/auth/access.ts'
import { createApp } from '../../shared/http/create-app.ts'
import { answerOnce } from '../../shared/http/idempotency.ts'
import { Pagination } from '../../shared/http/pagination.ts'
import { eventMetadata } from '../../shared/http/request-context.ts'
import { validate } from '../../shared/http/validate.ts'
import { compileInsert, placeholders } from '../../shared/db/statements.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { access } from './access.ts'
import { vehicles } from './schema.ts'

const refuse = ruleBook({ 'license-number-taken': 409 })
const licenseNumberTaken = (licenseNumber: string) =>
  refuse('license-number-taken', `A vehicle with license number ${licenseNumber} is already registered`)

/** `GET /api/vehicles`: a page, optionally only the vehicles of one owner. */
const VehicleList = v.object({ ...Pagination.entries, ownerId: v.optional(CustomerId) })

export function createVehiclesApp(deps: ServiceDeps) {
  const { db, outbox, clock, newId } = deps
  // Compiled once: registering is the hot path.
  const insert = compileInsert<typeof vehicles.$inferInsert>(
    db.insert(vehicles).values(placeholders(vehicles)),
  )
  const find = async (licenseNumber: string) =>
    (await db.select().from(vehicles).where(eq(vehicles.licenseNumber, licenseNumber)))[0]
  const once = answerOnce(db, clock)

  return createApp(deps, access)
    .post('/api/vehicles', validate('json', RegisterVehicleBody), async (c) => {
      const vehicle = c.req.valid('json')
      const registered = toEnvelopes([{ type: 'VehicleRegistered', data: vehicle }], {
        stream: vehicle.licenseNumber,
        after: 0,
        metadata: eventMetadata(c),
        clock,
        newId,
      })
      const location = `/api/vehicles/${vehicle.licenseNumber}`
      // The license number is the id: an exact repeat is answered from the record, other details refused.
      return once(
        c,
        { operation: 'register-vehicle', command: vehicle, id: vehicle.licenseNumber },
        (record) =>
          outbox
            .commit([insert([vehicle]), ...record({ status: 201, body: vehicle, location })], registered)
            .catch((error: unknown) => {
              throw isUniqueViolation(error, 'vehicles.license_number')
                ? licenseNumberTaken(vehicle.licenseNumber)
                : error
            }),
      )
    })
    .get('/api/vehicles', validate('query', VehicleList), async (c) => {
      const { limit, offset, ownerId } = c.req.valid('query')
      // A customer's scope and the filter both hold: asking for another owner's vehicles gives none.
      const owners = [customerScope(c), ownerId].filter((owner) => owner !== undefined)
      return c.json(
        await db
          .select()
          .from(vehicles)
          .where(and(...owners.map((owner) => eq(vehicles.ownerId, owner))))
          .orderBy(vehicles.licenseNumber)
          .limit(limit)
          .offset(offset),
      )
    })
    .get(
      '/api/vehicles/:licenseNumber',
      validate('param', v.object({ licenseNumber: LicenseNumber })),
      async (c) => {
        const { licenseNumber } = c.req.valid('param')
        const vehicle = await find(licenseNumber)
        return c.json(ownedItem(c, vehicle, (v) => v.ownerId, `No vehicle ${licenseNumber}`))
      },
    )
}
