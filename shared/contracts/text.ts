import * as v from 'valibot'

// A UTF-16 half of a character without its other half: no UTF-8 store can keep it, so it would be stored
// altered (and an exact retry would then differ from what was stored).
const loneSurrogate = /\p{Cs}/u
// C0 and C1 control characters and DEL; fields of several lines keep tab, line feed and carriage return.
// One line also has no Unicode line or paragraph separator.
const controlInLine = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/
const controlInLines = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/

// U+FFFD is what a body's bytes that are not UTF-8 were decoded as: the text sent is already lost.
const replacement = /\uFFFD/

const wellFormed = v.rawCheck<string>(({ dataset, addIssue }) => {
  if (!dataset.typed) return
  if (loneSurrogate.test(dataset.value))
    addIssue({ message: 'must be valid Unicode (it holds half of a character)' })
  else if (replacement.test(dataset.value))
    addIssue({ message: 'must be valid UTF-8 (it holds U+FFFD, which stands for bytes that were not)' })
})

/**
 * A trimmed, non-empty line of at most `max` characters, without control characters, in Unicode NFC (so
 * the same name typed on two keyboards is stored, compared and found as one).
 *
 * @example
 * const Customer = v.object({ name: requiredText(100) })
 */
export const requiredText = (max: number) =>
  v.pipe(
    v.string(),
    wellFormed,
    v.trim(),
    v.check((s) => !controlInLine.test(s), 'must be one line without control characters'),
    v.normalize('NFC'),
    v.nonEmpty('must not be empty'),
    v.maxLength(max, `must be at most ${max} characters`),
  )

/**
 * Trimmed text of at most `max` characters, possibly empty, that may hold several lines (line breaks and
 * tabs) but no other control characters; in Unicode NFC.
 *
 * @example
 * const Finish = v.object({ notes: multilineText(2000) })
 * const Plan = v.object({ description: v.pipe(multilineText(500), v.nonEmpty('must not be empty')) })
 */
export const multilineText = (max: number) =>
  v.pipe(
    v.string(),
    wellFormed,
    v.trim(),
    v.check(
      (s) => !controlInLines.test(s),
      'must not contain control characters other than line breaks and tabs',
    ),
    v.normalize('NFC'),
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
