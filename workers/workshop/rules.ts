import { ruleBook } from '../../shared/errors.ts'

/**
 * Every rule the workshop refuses a command by, with its status. The id is the problem `type`
 * (`urn:pitstop:rule:<id>`); each check is named after the id it throws.
 */
export const refuse = ruleBook({
  'start-before-end': 409,
  'job-within-planning-day': 409,
  'job-id-unique': 409,
  'vehicle-not-double-booked': 409,
  'max-overlapping-jobs': 409,
  'job-already-finished': 409,
  'unknown-customer': 422,
  'unknown-vehicle': 422,
})
