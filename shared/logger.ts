import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino'

export type { Logger }

/** How log lines look: one JSON object per line, or lines a person reads in a terminal. */
export type LogFormat = 'json' | 'pretty'

const formats: readonly string[] = ['json', 'pretty'] satisfies LogFormat[]

/**
 * `LOG_FORMAT` (`json` or `pretty`) when set, else `pretty` when the logs go to a terminal and `json`
 * when they go to a file, a pipe or a log collector.
 *
 * @example
 * logFormat({ LOG_FORMAT: 'json' }, true) // 'json', even on a terminal
 */
export function logFormat(env: Record<string, string | undefined>, terminal: boolean): LogFormat {
  const chosen = env.LOG_FORMAT
  if (chosen && formats.includes(chosen)) return chosen as LogFormat
  return terminal ? 'pretty' : 'json'
}

/**
 * Logs on stdout, or on the file descriptor of `destination` (command-line tools log to stderr and keep
 * stdout for their output): readable lines on a terminal, one JSON object per line otherwise (see
 * `logFormat`). Pretty lines are written by pino-pretty in pino's transport thread, so the event loop
 * never formats them; a destination that is not a file descriptor (a test's stream) always gets JSON.
 *
 * @example
 * const logger = createLogger('info', { host: 'node' })
 * logger.child({ service: 'customers' }).info('service started')
 */
export function createLogger(
  level = 'info',
  bindings: Record<string, unknown> = {},
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = { level, base: bindings, timestamp: pino.stdTimeFunctions.isoTime }
  // No process (a worker without nodejs_compat) or no fd to look at: JSON, as a log collector wants it.
  const host = globalThis.process as NodeJS.Process | undefined
  const env = host?.env ?? {}
  const fd = destination ? (destination as { fd?: unknown }).fd : 1
  const terminal = (fd === 1 ? host?.stdout : fd === 2 ? host?.stderr : undefined)?.isTTY === true
  const unknownFormat = env.LOG_FORMAT && !formats.includes(env.LOG_FORMAT) ? env.LOG_FORMAT : undefined
  const logger =
    typeof fd === 'number' && logFormat(env, terminal) === 'pretty'
      ? pino({
          ...options,
          transport: {
            target: 'pino-pretty',
            options: {
              destination: fd,
              colorize: terminal && !('NO_COLOR' in env),
              translateTime: 'SYS:HH:MM:ss.l',
              // A service's lines start with its name; the host is the one just started, so not repeated.
              messageFormat: '{if service}{service}: {end}{msg}',
              ignore: 'pid,hostname,host,service',
            },
          },
        })
      : pino(options, destination ?? stdout(host))
  if (unknownFormat)
    logger.warn(
      `LOG_FORMAT=${unknownFormat} is neither json nor pretty; logging as ${logFormat({}, terminal)}`,
    )
  return logger
}

/**
 * Stdout written synchronously: a line logged just before `process.exit` (a fatal error) is out, and in
 * order. pino's default writes asynchronously and flushes at exit, so a write still in flight then came
 * out after the lines flushed behind it. Workers (pino's browser build) keep pino's console output.
 */
function stdout(host: NodeJS.Process | undefined): DestinationStream | undefined {
  if (!host?.stdout || typeof pino.destination !== 'function') return undefined
  return pino.destination({ dest: 1, sync: true })
}
