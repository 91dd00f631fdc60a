import { mkdir, writeFile } from 'node:fs/promises'
import { contractsAsJsonSchema } from './json-schema.ts'

const folder = new URL('./json-schema/', import.meta.url)
await mkdir(folder, { recursive: true })
for (const [name, document] of Object.entries(contractsAsJsonSchema())) {
  await writeFile(new URL(`${name}.json`, folder), `${JSON.stringify(document, null, 2)}\n`)
}
console.log(
  `wrote ${Object.keys(contractsAsJsonSchema()).length} JSON Schema files to shared/contracts/json-schema/`,
)
