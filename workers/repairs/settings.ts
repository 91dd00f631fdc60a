import * as v from 'valibot'
import { centsOf } from '../../shared/contracts/index.ts'

const units = { s: 1_000, m: 60_000, h: 3_600_000 } as const
const MAX_TIMEOUT_MS = 30 * 24 * 3_600_000

/** A price per hour such as `18.50`, as integer cents. */
const HourlyRate = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const cents = centsOf(dataset.value)
    if (cents === undefined || cents === 0) {
      addIssue({ message: 'must be an amount per hour such as 18.50 (more than 0, at most two decimals)' })
      return NEVER
    }
    return cents
  }),
)

/** A duration as a whole number with its unit, `24h`, `90m` or `30s`, as milliseconds; up to 30 days. */
const Duration = v.pipe(
  v.string(),
  v.regex(
    /^[1-9]\d{0,6}[hms]$/,
    'must be a whole number of hours, minutes or seconds, such as 24h, 90m or 30s',
  ),
  v.transform((text) => Number(text.slice(0, -1)) * units[text.at(-1) as keyof typeof units]),
  v.maxValue(MAX_TIMEOUT_MS, 'must be at most 30 days (720h)'),
)

/** How repairs are run, from the environment. */
export const RepairsSettings = v.object({
  /** The labour rate customers are asked to approve, in euros per hour (`18.50`); in cents once parsed. */
  HOURLY_RATE: v.optional(HourlyRate, '18.50'),
  /**
   * How long a customer has to approve or reject extra work before it expires: `24h`, `90m`, `30s`
   * (a whole number of hours, minutes or seconds, at most 30 days); in milliseconds once parsed.
   */
  APPROVAL_TIMEOUT: v.optional(Duration, '24h'),
})
export type RepairsSettings = v.InferOutput<typeof RepairsSettings>

export const policyOf = (settings: RepairsSettings) => ({
  hourlyRateCents: settings.HOURLY_RATE,
  approvalTimeoutMs: settings.APPROVAL_TIMEOUT,
})
