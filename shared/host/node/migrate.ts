import { mkdir } from 'node:fs/promises'
import { openDatabase } from '../../db/database.ts'
import { configOrExit } from '../config.ts'
import { databaseUrl } from '../services.ts'

// `npm run db:migrate`: applies each configured service's migrations to its database (the files under
// DATA_DIR, or LIBSQL_URL_<SERVICE> on sqld or Turso) and exits. The Node host migrates at start on its
// own; workers cannot (no file system), so an edge deployment runs this first.
const config = configOrExit(process.env)
// Files under DATA_DIR need the directory; a fresh clone has none yet.
await mkdir(config.dataDir, { recursive: true })
for (const name of config.services) {
  const { client } = await openDatabase(name, databaseUrl(name, config), config.databaseAuthToken)
  client.close()
  console.log(`${name}: migrated`)
}
