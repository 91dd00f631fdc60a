/**
 * A business rule said no. `rule` becomes the problem `type` (`urn:pitstop:rule:<rule>`), so clients can
 * tell rules apart without parsing messages.
 *
 * @example
 * throw new RuleViolation('start-before-end', 'A job must start before it ends')
 */
export class RuleViolation extends Error {
  constructor(
    readonly rule: string,
    message: string,
    readonly status: 409 | 422 = 409,
  ) {
    super(message)
    this.name = 'RuleViolation'
  }
}

export class NotFound extends Error {
  override name = 'NotFound'
}

/** The caller is known, but may not do this (their role, or someone else's data). */
export class Forbidden extends Error {
  override name = 'Forbidden'
}

/**
 * The caller could not be told apart from a stranger: credentials that do not match, say. `problem`
 * becomes the type (`urn:pitstop:problem:<problem>`).
 */
export class Unauthenticated extends Error {
  override name = 'Unauthenticated'
  constructor(
    message: string,
    readonly problem = 'unauthenticated',
    /** The `WWW-Authenticate` challenge: `Bearer`, or with `error="invalid_token"` for a bad token. */
    readonly challenge = 'Bearer',
  ) {
    super(message)
  }
}

/** Too many attempts in a while: refused unheard until `retryAfterSeconds` have passed (a 429). */
export class TooManyRequests extends Error {
  override name = 'TooManyRequests'
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message)
  }
}

/** Request input failed its schema; each issue names the field (a JSON pointer) and what is wrong. */
export class InvalidInput extends Error {
  override name = 'InvalidInput'
  constructor(readonly issues: { field: string; message: string }[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '))
  }
}

/**
 * A service's rules in one typed table, each with the status it is refused with (409: it conflicts with
 * what exists; 422: it refers to something unknown); returns the function that refuses by rule id, so a
 * misspelt id is a type error and every status is decided in one place.
 *
 * @example
 * const refuse = ruleBook({ 'start-before-end': 409, 'unknown-customer': 422 })
 * throw refuse('start-before-end', 'A job must start before it ends')
 */
export function ruleBook<TRules extends Record<string, 409 | 422>>(rules: TRules) {
  return (rule: keyof TRules & string, message: string) => new RuleViolation(rule, message, rules[rule])
}
