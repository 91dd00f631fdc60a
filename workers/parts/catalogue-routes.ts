import { Hono } from 'hono'
import * as v from 'valibot'
import { PartNumber, ReceiveLotBody, RegisterPartBody } from '../../shared/contracts/index.ts'
import { isUniqueViolation } from '../../shared/db/database.ts'
import { compileInsert, placeholders } from '../../shared/db/statements.ts'
import { toEnvelopes } from '../../shared/envelope.ts'
import { NotFound } from '../../shared/errors.ts'
import type { AppEnv } from '../../shared/http/app-env.ts'
import { answerOnce } from '../../shared/http/idempotency.ts'
import { Pagination } from '../../shared/http/pagination.ts'
import { eventMetadata } from '../../shared/http/request-context.ts'
import { validate } from '../../shared/http/validate.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { catalogueQueries, partWithLots } from './catalogue.ts'
import { partNumberUnique } from './rules.ts'
import { lots, parts } from './schema.ts'

const PartParam = v.object({ partNumber: PartNumber })

/**
 * The catalogue and its stock: registering parts, receiving lots, and reading both. State with events
 * through the outbox; the lots' reserved and taken counts change only through reservations.
 */
export function catalogueRoutes({ db, outbox, clock, newId }: ServiceDeps<unknown>) {
  // Compiled once: receiving stock is the hot path of the catalogue.
  const insertPart = compileInsert<typeof parts.$inferInsert>(db.insert(parts).values(placeholders(parts)))
  const insertLot = compileInsert<typeof lots.$inferInsert>(db.insert(lots).values(placeholders(lots)))
  const catalogue = catalogueQueries(db)
  const once = answerOnce(db, clock)

  return new Hono<AppEnv>()
    .post('/api/parts', validate('json', RegisterPartBody), async (c) => {
      const body = c.req.valid('json')
      const { partNumber, name, unitPrice: unitPriceCents } = body
      const part = { partNumber, name, unitPriceCents }
      const registered = toEnvelopes([{ type: 'PartRegistered', data: part }], {
        stream: partNumber,
        after: 0,
        metadata: eventMetadata(c),
        clock,
        newId,
      })
      const answer = {
        status: 201 as const,
        body: partWithLots(part, []),
        location: `/api/parts/${partNumber}`,
      }
      // An exact repeat is answered from the record; the part number taken by other details is refused.
      return once(c, { operation: 'register-part', command: body, id: partNumber }, (record) =>
        outbox.commit([insertPart([part]), ...record(answer)], registered).catch((error: unknown) => {
          throw isUniqueViolation(error, 'parts.part_number') ? partNumberUnique(partNumber) : error
        }),
      )
    })
    .post(
      '/api/parts/:partNumber/lots',
      validate('param', PartParam),
      validate('json', ReceiveLotBody),
      async (c) => {
        const { partNumber } = c.req.valid('param')
        const { quantity } = c.req.valid('json')
        // Parts are never taken out of the catalogue: one found now is there when the lot commits.
        if (!(await catalogue.find(partNumber))) throw new NotFound(`No part ${partNumber}`)
        const lot = { lotId: newId(), partNumber, quantity, receivedAt: clock.now().toISOString() }
        const received = toEnvelopes([{ type: 'LotReceived', data: lot }], {
          stream: lot.lotId,
          after: 0,
          metadata: eventMetadata(c),
          clock,
          newId,
        })
        // Lot ids are made here, so a retry is known by its Idempotency-Key alone.
        return once(c, { operation: 'receive-lot', command: { partNumber, quantity } }, (record) =>
          outbox.commit(
            [insertLot([{ ...lot, reserved: 0, taken: 0 }]), ...record({ status: 201, body: lot })],
            received,
          ),
        )
      },
    )
    .get('/api/parts', validate('query', Pagination), async (c) =>
      c.json(await catalogue.list(c.req.valid('query'))),
    )
    .get('/api/parts/:partNumber', validate('param', PartParam), async (c) => {
      const { partNumber } = c.req.valid('param')
      const part = await catalogue.withLots(partNumber)
      if (!part) throw new NotFound(`No part ${partNumber}`)
      return c.json(part)
    })
}
