import * as v from 'valibot'

// Schemas for environment variables (all strings), shared by the hosts and by the services' own settings.

/** A whole number in decimal digits: `Number()` alone would also read `0x1f90`, `1e3` and an empty value. */
export const DecimalInteger = v.pipe(
  v.string(),
  v.regex(/^\d+$/, 'must be a whole number in decimal digits'),
  v.toNumber(),
)
export const Port = v.pipe(DecimalInteger, v.maxValue(65535))
export const Positive = v.pipe(DecimalInteger, v.minValue(1))
export const TimeZone = v.pipe(
  v.string(),
  v.check((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz })
      return true
    } catch {
      return false
    }
  }, 'must be an IANA time zone such as Europe/Amsterdam'),
)
/**
 * `WORKSHOP_TZ`: the time zone whose calendar days are the workshop's (planning dates, `DayHasPassed`).
 * Every service that reads it declares it with this one schema, so the host takes it from each of them.
 */
export const WorkshopTimeZone = v.optional(TimeZone, 'UTC')

/**
 * `WORKSTATIONS`: how many jobs the workshop runs at once. The workshop plans by it, insights measures
 * utilisation against it: one schema, so both read the one variable alike.
 */
export const Workstations = v.optional(Positive, '3')

/**
 * `CLOCK`: the host's clock for every service it runs. `system` (the default) is the system's time;
 * `manual` stands still until `POST /api/clock/advance` moves it, for tests and demonstrations.
 */
export const ClockMode = v.optional(v.picklist(['system', 'manual'], 'must be system or manual'), 'system')
export type ClockMode = v.InferOutput<typeof ClockMode>

/**
 * Refuses a manual clock in production (`NODE_ENV=production`), with one line saying why.
 *
 * @example
 * refuseManualClockInProduction(config.CLOCK, process.env) // throws for CLOCK=manual NODE_ENV=production
 */
export function refuseManualClockInProduction(clock: ClockMode, env: Record<string, unknown>): void {
  if (clock === 'manual' && env.NODE_ENV === 'production')
    throw new Error(
      'CLOCK=manual is refused in production (NODE_ENV=production): a manual clock is for tests and demonstrations; unset CLOCK or set it to system',
    )
}

/** Just an origin (`scheme://host[:port]`, nothing after it), kept as browsers send it in `Origin`. */
const Origin = v.pipe(
  v.string(),
  v.check(
    (text) => {
      if (!URL.canParse(text)) return false
      const url = new URL(text)
      return url.origin !== 'null' && url.href === `${url.origin}/`
    },
    (issue) =>
      `must list origins such as https://garage.example (scheme, host and port only), separated by commas; ${JSON.stringify(issue.input)} is not one`,
  ),
  v.transform((text) => new URL(text).origin),
)
/** `CORS_ORIGINS`: origins separated by commas; empty is none. */
export const CorsOrigins = v.pipe(
  v.string(),
  v.transform((s) =>
    s
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  ),
  v.array(Origin),
)

export const StreamPrefix = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]+$/))
export const LogLevel = v.picklist(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
/** Validates environment variables against `schema`, or throws one error naming every bad variable. */
export function parseEnvironment<TSchema extends v.GenericSchema>(
  schema: TSchema,
  env: Record<string, unknown>,
): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, env)
  if (result.success) return result.output
  const problems = result.issues.map((i) => `${v.getDotPath(i)}: ${i.message}`).join('\n  ')
  throw new Error(`Invalid configuration:\n  ${problems}`)
}

/** A secret tokens are signed with: long enough that guessing it is hopeless. */
export const AuthSecret = v.pipe(
  v.string(),
  v.minLength(32, 'must be at least 32 characters, e.g. the output of `openssl rand -base64 32`'),
)

/**
 * `PUBLIC_URL`: where people reach the system, an http(s) address without a trailing slash such as
 * `https://garage.example`; customers' links point there.
 */
export const PublicUrl = v.optional(
  v.pipe(
    v.string(),
    v.check(
      (text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol),
      'must be an http or https URL such as https://garage.example',
    ),
    v.transform((text) => text.replace(/\/+$/, '')),
  ),
)

/** `CUSTOMER_LINK_DAYS`: how long a customer's personal link opens their data. */
export const CustomerLinkDays = v.optional(
  v.pipe(Positive, v.maxValue(400, 'must be at most 400 (the longest a browser keeps a cookie)')),
  '30',
)
