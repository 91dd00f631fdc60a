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

/** Request input failed its schema; each issue names the field (a JSON pointer) and what is wrong. */
export class InvalidInput extends Error {
  override name = 'InvalidInput'
  constructor(readonly issues: { field: string; message: string }[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '))
  }
}
