import { vValidator } from '@hono/valibot-validator'
import * as v from 'valibot'
import { InvalidInput } from '../errors.ts'

type Target = 'json' | 'param' | 'query'

const jsonObject = v.custom<unknown>(
  (input) => typeof input === 'object' && input !== null && !Array.isArray(input),
  (issue) =>
    `must be a JSON object, not ${Array.isArray(issue.input) ? 'an array' : typeof issue.input === 'object' ? 'null' : `a ${typeof issue.input}`}`,
)

/**
 * Validates one part of the request with a valibot schema; failures become 400 problem+json naming each
 * field, before any handler code (and so any write) runs.
 *
 * @example
 * app.post('/api/customers', validate('json', RegisterCustomerBody), (c) => c.json(c.req.valid('json')))
 */
export function validate<TTarget extends Target, TSchema extends v.GenericSchema>(
  target: TTarget,
  schema: TSchema,
) {
  // valibot takes an array for an object (it is one, to JavaScript): a body must be a JSON object.
  const checked = target === 'json' ? v.pipe(jsonObject, schema) : schema
  // One message per field: the first check that fails says what is wrong.
  return vValidator(target, v.config(checked, { abortPipeEarly: true }) as TSchema, (result) => {
    if (!result.success) {
      throw new InvalidInput(
        result.issues.map((issue) => ({
          field: `/${target === 'json' ? '' : `${target}/`}${(v.getDotPath(issue) ?? '').replaceAll('.', '/')}`,
          message: issue.received === 'undefined' ? 'is required' : issue.message,
        })),
      )
    }
  })
}
