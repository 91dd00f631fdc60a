import * as v from 'valibot'
import { DecimalInteger } from '../environment.ts'

/** `?limit=&offset=` for list endpoints: numbers in the query string, bounded. */
export const Pagination = v.object({
  limit: v.optional(v.pipe(DecimalInteger, v.minValue(1), v.maxValue(1000)), '100'),
  // Beyond this a number no longer counts rows exactly, and SQLite's OFFSET would overflow.
  offset: v.optional(v.pipe(DecimalInteger, v.maxValue(Number.MAX_SAFE_INTEGER)), '0'),
})
