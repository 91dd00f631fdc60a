import { toJsonSchema } from '@valibot/to-json-schema'
import { events, requestBodies } from './index.ts'

/** The contracts as JSON Schema documents, for services written in other languages. */
export function contractsAsJsonSchema(): Record<string, object> {
  const documents: Record<string, object> = {}
  for (const [name, schema] of Object.entries({ ...requestBodies, ...events })) {
    documents[name] = {
      $id: `urn:pitstop:contract:${name}`,
      title: name,
      // Bodies are normalised (trimmed, upper-cased) (trim, upper-case); the schema describes what a client may send.
      ...toJsonSchema(schema, { target: 'draft-2020-12', typeMode: 'input', errorMode: 'ignore' }),
    }
  }
  return documents
}
