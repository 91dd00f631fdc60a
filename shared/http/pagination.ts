import * as v from 'valibot'

/** `?limit=&offset=` for list endpoints: numbers in the query string, bounded. */
export const Pagination = v.object({
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(1000)), '100'),
  offset: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)), '0'),
})
