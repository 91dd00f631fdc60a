import { eq } from 'drizzle-orm'
import * as v from 'valibot'
import { LicenseNumber, RegisterVehicle } from '../../shared/contracts/index.ts'
import { isUniqueViolation } from '../../shared/db/database.ts'
import { toEnvelopes } from '../../shared/envelope.ts'
import { NotFound, RuleViolation } from '../../shared/errors.ts'
import { createApp } from '../../shared/http/create-app.ts'
import { Pagination } from '../../shared/http/pagination.ts'
import { eventMetadata } from '../../shared/http/request-context.ts'
import { validate } from '../../shared/http/validate.ts'
import { compileInsert, placeholders } from '../../shared/db/statements.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { vehicles } from './schema.ts'

const licenseNumberTaken = (licenseNumber: string) =>
  new RuleViolation(
    'license-number-taken',
    `A vehicle with license number ${licenseNumber} is already registered`,
  )

export function createVehiclesApp({ db, outbox, clock, newId, logger, settings }: ServiceDeps) {
  // Compiled once: registering is the hot path.
  const insert = compileInsert<typeof vehicles.$inferInsert>(
    db.insert(vehicles).values(placeholders(vehicles)),
  )
  const find = async (licenseNumber: string) =>
    (await db.select().from(vehicles).where(eq(vehicles.licenseNumber, licenseNumber)))[0]

  return createApp({ logger, newId, maxBodyBytes: settings.maxBodyBytes })
    .post('/api/vehicles', validate('json', RegisterVehicle), async (c) => {
      const vehicle = c.req.valid('json')
      const registered = toEnvelopes([{ type: 'VehicleRegistered', data: vehicle }], {
        stream: vehicle.licenseNumber,
        after: 0,
        metadata: eventMetadata(c),
        clock,
        newId,
      })
      try {
        await outbox.commit([insert([vehicle])], registered)
      } catch (error) {
        if (isUniqueViolation(error, 'vehicles.license_number'))
          throw licenseNumberTaken(vehicle.licenseNumber)
        throw error
      }
      return c.json(vehicle, 201, { location: `/api/vehicles/${vehicle.licenseNumber}` })
    })
    .get('/api/vehicles', validate('query', Pagination), async (c) => {
      const { limit, offset } = c.req.valid('query')
      return c.json(
        await db.select().from(vehicles).orderBy(vehicles.licenseNumber).limit(limit).offset(offset),
      )
    })
    .get(
      '/api/vehicles/:licenseNumber',
      validate('param', v.object({ licenseNumber: LicenseNumber })),
      async (c) => {
        const { licenseNumber } = c.req.valid('param')
        const vehicle = await find(licenseNumber)
        if (!vehicle) throw new NotFound(`No vehicle ${licenseNumber}`)
        return c.json(vehicle)
      },
    )
}
