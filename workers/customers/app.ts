import { eq, or, sql, type AnyColumn } from 'drizzle-orm'
import * as v from 'valibot'
import { CustomerId, RegisterCustomerBody, type Customer } from '../../shared/contracts/index.ts'
import { requiredText } from '../../shared/contracts/text.ts'
import { isUniqueViolation } from '../../shared/db/database.ts'
import { toEnvelopes } from '../../shared/envelope.ts'
import { NotFound, ruleBook } from '../../shared/errors.ts'
import { createApp } from '../../shared/http/create-app.ts'
import { answerOnce } from '../../shared/http/idempotency.ts'
import { Pagination } from '../../shared/http/pagination.ts'
import { eventMetadata } from '../../shared/http/request-context.ts'
import { validate } from '../../shared/http/validate.ts'
import { compileInsert, placeholders } from '../../shared/db/statements.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { access } from './access.ts'
import { customers } from './schema.ts'

const refuse = ruleBook({ 'customer-id-taken': 409 })
const customerIdTaken = (customerId: string) =>
  refuse('customer-id-taken', `Customer ${customerId} exists with other details`)

/** `GET /api/customers`: a page, optionally only the customers whose name, city or e-mail address holds `search`. */
const CustomerList = v.object({ ...Pagination.entries, search: v.optional(requiredText(100)) })

/** `column` holds `text`, ASCII letters in any case; `%`, `_` and `\` in the text match only themselves. */
const contains = (column: AnyColumn, text: string) =>
  sql`${column} LIKE ${`%${text.replace(/[\\%_]/g, '\\$&')}%`} ESCAPE '\\'`

export function createCustomersApp(deps: ServiceDeps) {
  const { db, outbox, clock, newId } = deps
  // Compiled once: registering is the hot path.
  const insert = compileInsert<Customer>(db.insert(customers).values(placeholders(customers)))
  const find = async (customerId: string) =>
    (await db.select().from(customers).where(eq(customers.customerId, customerId)))[0]
  const once = answerOnce(db, clock)

  return createApp(deps, access)
    .post('/api/customers', validate('json', RegisterCustomerBody), async (c) => {
      const body = c.req.valid('json')
      const customer: Customer = { ...body, customerId: body.customerId ?? newId() }
      const registered = toEnvelopes([{ type: 'CustomerRegistered', data: customer }], {
        stream: customer.customerId,
        after: 0,
        metadata: eventMetadata(c),
        clock,
        newId,
      })
      const location = `/api/customers/${encodeURIComponent(customer.customerId)}`
      // An exact repeat is answered from the record; the id taken by other details is refused.
      return once(c, { operation: 'register-customer', command: body, id: body.customerId }, (record) =>
        outbox
          .commit([insert([customer]), ...record({ status: 201, body: customer, location })], registered)
          .catch((error: unknown) => {
            throw isUniqueViolation(error, 'customers.customer_id')
              ? customerIdTaken(customer.customerId)
              : error
          }),
      )
    })
    .get('/api/customers', validate('query', CustomerList), async (c) => {
      const { limit, offset, search } = c.req.valid('query')
      const matching =
        search === undefined
          ? undefined
          : or(...[customers.name, customers.city, customers.emailAddress].map((f) => contains(f, search)))
      return c.json(
        await db.select().from(customers).where(matching).orderBy(customers.name).limit(limit).offset(offset),
      )
    })
    .get('/api/customers/:customerId', validate('param', v.object({ customerId: CustomerId })), async (c) => {
      const { customerId } = c.req.valid('param')
      const customer = await find(customerId)
      if (!customer) throw new NotFound(`No customer ${customerId}`)
      return c.json(customer)
    })
}
