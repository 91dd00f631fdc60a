import type * as v from 'valibot'
import type { ReservedLine } from '../../shared/contracts/index.ts'
import type { Price } from './events.ts'

/** The hours as whole hundredths: `1.15` is 115 (in floating point `1.15 * 100` is a hair below it). */
export const hundredthsOf = (hours: number): number => Math.round(hours * 100)

/**
 * The labour's amount: hundredths of hours times the hourly rate, in cents, divided by 100 and rounded
 * half up. Whole numbers throughout: 100,000 hundredths at a rate of 9,999,999.99 stay far below 2^53.
 */
export const labourCents = (hours: number, hourlyRateCents: number): number =>
  Math.floor((hundredthsOf(hours) * hourlyRateCents + 50) / 100)

/**
 * What the customer is asked to approve: the labour at the hourly rate, and the parts as the parts
 * service reserved them, one line per part number (a reservation lists each lot it took from) at the
 * unit price of its reservation, and the total. A part reserved at two prices (it cannot be, as one
 * reservation prices a part once) would get a line per price, so every amount is quantity × unit price.
 */
export function priceOf(
  labourHours: number,
  hourlyRateCents: number,
  reserved: v.InferOutput<typeof ReservedLine>[],
): Price {
  const labour = {
    hours: labourHours,
    hourlyRateCents,
    amountCents: labourCents(labourHours, hourlyRateCents),
  }
  const lines = new Map<string, { partNumber: string; quantity: number; unitPriceCents: number }>()
  for (const { partNumber, quantity, unitPriceCents } of reserved) {
    const key = `${partNumber} ${unitPriceCents}`
    const line = lines.get(key)
    if (line) line.quantity += quantity
    else lines.set(key, { partNumber, quantity, unitPriceCents })
  }
  const parts = [...lines.values()].map((line) => ({
    ...line,
    amountCents: line.quantity * line.unitPriceCents,
  }))
  const totalCents = parts.reduce((sum, line) => sum + line.amountCents, labour.amountCents)
  return { labour, parts, totalCents }
}
