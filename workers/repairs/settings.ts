import * as v from 'valibot'
import { centsOf } from '../../shared/contracts/index.ts'

// Settings stay the strings they were given: a host passes them on to other processes as they parsed
// them (`npm run dev:edge` to its workers), and they must mean the same there. `policyOf` reads them.

const units = { s: 1_000, m: 60_000, h: 3_600_000 } as const
const MAX_TIMEOUT_MS = 30 * 24 * 3_600_000

/** Milliseconds of a duration written as a whole number and its unit: `24h`, `90m`, `30s`. */
const durationMs = (text: string) => Number(text.slice(0, -1)) * units[text.at(-1) as keyof typeof units]

/** A price per hour such as `18.50`: more than 0, at most two decimals. */
const HourlyRate = v.pipe(
  v.string(),
  v.check(
    (text) => (centsOf(text) ?? 0) > 0,
    'must be an amount per hour such as 18.50 (more than 0, at most two decimals)',
  ),
)

/** A duration as a whole number with its unit, `24h`, `90m` or `30s`; up to 30 days. */
const Duration = v.pipe(
  v.string(),
  v.regex(
    /^[1-9]\d{0,6}[hms]$/,
    'must be a whole number of hours, minutes or seconds, such as 24h, 90m or 30s',
  ),
  v.check((text) => durationMs(text) <= MAX_TIMEOUT_MS, 'must be at most 30 days (720h)'),
)

/** How repairs are run, from the environment. */
export const RepairsSettings = v.object({
  /** The labour rate customers are asked to approve, in euros per hour (`18.50`). */
  HOURLY_RATE: v.optional(HourlyRate, '18.50'),
  /**
   * How long a customer has to approve or reject extra work before it expires: `24h`, `90m`, `30s`
   * (a whole number of hours, minutes or seconds, at most 30 days).
   */
  APPROVAL_TIMEOUT: v.optional(Duration, '24h'),
})
export type RepairsSettings = v.InferOutput<typeof RepairsSettings>

/** The settings as the decider takes them: the rate in cents, the timeout in milliseconds. */
export const policyOf = (settings: RepairsSettings) => ({
  hourlyRateCents: centsOf(settings.HOURLY_RATE)!,
  approvalTimeoutMs: durationMs(settings.APPROVAL_TIMEOUT),
})
