import { pino } from 'pino'
import { createLogger } from '../logger.ts'

// For the logger's tests: logs what a host logs at start and on a fatal error, then exits 1 as a host
// does. `stderr` as the first argument logs there, as command-line tools do.
const logger = createLogger(
  'info',
  { host: 'node' },
  process.argv[2] === 'stderr' ? pino.destination(2) : undefined,
)
logger.child({ service: 'customers' }).info({ database: 'file://' }, 'service started')
logger.fatal('cannot go on')
process.exit(1)
