import { format, resolveConfig } from 'prettier'
import { contractsAsJsonSchema } from './json-schema.ts'

/**
 * The committed JSON Schema files, by file name, exactly as `npm run contracts` writes them: formatted by
 * the project's prettier settings, so regenerating a clean tree changes nothing and the format check agrees.
 */
export async function jsonSchemaFiles(): Promise<Record<string, string>> {
  const options = { ...(await resolveConfig(new URL('./json-schema/', import.meta.url))), parser: 'json' }
  const files: Record<string, string> = {}
  for (const [name, document] of Object.entries(contractsAsJsonSchema())) {
    files[`${name}.json`] = await format(JSON.stringify(document, null, 2), options)
  }
  return files
}
