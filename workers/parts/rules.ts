import { ruleBook } from '../../shared/errors.ts'

/**
 * Every rule the parts service refuses a request by, with its status. The id is the problem `type`
 * (`urn:pitstop:rule:<id>`).
 */
export const refuse = ruleBook({
  'part-number-unique': 409,
})

export const partNumberUnique = (partNumber: string) =>
  refuse('part-number-unique', `Part ${partNumber} is in the catalogue with other details`)
