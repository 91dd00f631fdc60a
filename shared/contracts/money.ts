import * as v from 'valibot'

/** An amount in integer cents, as events carry money: never a fraction, never negative. */
export const Cents = v.pipe(v.number(), v.safeInteger('must be whole cents'), v.minValue(0))

// Up to 9,999,999.99: far inside the integers a double holds exactly, and far above any price a garage sets.
const decimalAmount = /^(\d{1,7})(?:\.(\d{1,2}))?$/

/**
 * Cents from an amount written in euros with at most two decimals (`"18.50"`, `"7"`), by its digits:
 * `18.5 * 100` in floating point is not always what was written.
 */
export function centsOf(amount: string): number | undefined {
  const match = decimalAmount.exec(amount)
  if (!match) return undefined
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
}

/**
 * An amount in a request: a decimal string (`"12.50"`) or a JSON number with at most two decimals (`12.5`),
 * turned into integer cents. A number's text is read as written (JSON gives `12.5`, never `12.499999…`).
 */
export const MoneyInput = v.pipe(
  v.union([v.string(), v.number()], 'must be an amount such as "12.50"'),
  v.transform((input) => (typeof input === 'number' ? (Number.isFinite(input) ? String(input) : '') : input)),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const cents = centsOf(dataset.value)
    if (cents === undefined) {
      addIssue({ message: 'must be an amount of at most 9999999.99, with at most two decimals' })
      return NEVER
    }
    return cents
  }),
)

/** Cents as an amount with two decimals, as the API shows money: `1850` → `"18.50"`. */
export const formatCents = (cents: number): string =>
  `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`
