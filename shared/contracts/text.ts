import * as v from 'valibot'

/** A trimmed, non-empty string of at most `max` characters. */
export const requiredText = (max: number) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.nonEmpty('must not be empty'),
    v.maxLength(max, `must be at most ${max} characters`),
  )

/** Identifiers chosen by clients: short, URL-safe. */
export const Identifier = v.pipe(
  v.string(),
  v.trim(),
  v.nonEmpty('must not be empty'),
  v.maxLength(64, 'must be at most 64 characters'),
  v.regex(/^[A-Za-z0-9_.:-]+$/, 'may contain only letters, digits and _ . : -'),
)
