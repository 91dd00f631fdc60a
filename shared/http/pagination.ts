import * as v from 'valibot'

// Decimal digits only: `Number()` would also read `0x10`, `1e3` and an empty value.
const Digits = v.pipe(v.string(), v.regex(/^\d+$/, 'must be a whole number in decimal digits'))

/** `?limit=&offset=` for list endpoints: numbers in the query string, bounded. */
export const Pagination = v.object({
  limit: v.optional(v.pipe(Digits, v.toNumber(), v.integer(), v.minValue(1), v.maxValue(1000)), '100'),
  // Beyond this a number no longer counts rows exactly, and SQLite's OFFSET would overflow.
  offset: v.optional(
    v.pipe(Digits, v.toNumber(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER)),
    '0',
  ),
})
