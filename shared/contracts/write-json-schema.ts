import { mkdir, writeFile } from 'node:fs/promises'
import { jsonSchemaFiles } from './json-schema-files.ts'

const folder = new URL('./json-schema/', import.meta.url)
await mkdir(folder, { recursive: true })
const files = await jsonSchemaFiles()
for (const [name, text] of Object.entries(files)) await writeFile(new URL(name, folder), text)
console.log(`wrote ${Object.keys(files).length} JSON Schema files to shared/contracts/json-schema/`)
