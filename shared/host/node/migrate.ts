import { mkdir } from 'node:fs/promises'
import { configOrExit } from '../config.ts'
import { checkDatabaseUrls, DatabaseUnavailable, openServiceDatabase } from './services.ts'

// `npm run db:migrate`: applies each configured service's migrations to its database (the files under
// DATA_DIR, or LIBSQL_URL_<SERVICE> on sqld or Turso) and exits. The Node host migrates at start on its
// own; workers cannot (no file system), so an edge deployment runs this first. A database it cannot
// open is one line on stderr naming the variable and the service, and exit code 1.
const config = configOrExit(process.env)
// Files under DATA_DIR need the directory; a fresh clone has none yet.
await mkdir(config.dataDir, { recursive: true })
try {
  // Every URL's form first, so a typo in the last one does not leave the others half done.
  checkDatabaseUrls(config)
  for (const name of config.services) {
    const { client } = await openServiceDatabase(name, config)
    client.close()
    console.log(`${name}: migrated`)
  }
} catch (error) {
  if (!(error instanceof DatabaseUnavailable)) throw error
  console.error(error.message)
  process.exit(1)
}
