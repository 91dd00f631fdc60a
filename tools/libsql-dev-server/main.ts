import * as v from 'valibot'
import { Port } from '../../shared/environment.ts'
import { createLogger } from '../../shared/logger.ts'
import { startLibsqlDevServer } from './server.ts'

// The libSQL dev server: the database files of DATA_DIR over HTTP, for services running in workerd.
const Environment = v.object({
  DATA_DIR: v.optional(v.pipe(v.string(), v.nonEmpty()), '.data'),
  LIBSQL_PORT: v.optional(Port, '8081'),
})

const logger = createLogger('info', { host: 'libsql-dev-server' })
const env = v.safeParse(Environment, process.env)
if (!env.success) {
  logger.fatal(`Invalid configuration: ${v.summarize(env.issues)}`)
  process.exit(1)
}

const server = await startLibsqlDevServer({ dataDir: env.output.DATA_DIR, port: env.output.LIBSQL_PORT })
logger.info(
  { dataDir: env.output.DATA_DIR },
  `libSQL dev server listening on ${server.url}; database <name> is ${server.databaseUrl('<name>')}`,
)

async function shutdown(signal: string) {
  logger.info({ signal }, 'shutting down')
  await server.close()
  process.exit(0)
}
process.once('SIGTERM', () => void shutdown('SIGTERM'))
process.once('SIGINT', () => void shutdown('SIGINT'))
