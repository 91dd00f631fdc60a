import { pino, type DestinationStream, type Logger } from 'pino'

export type { Logger }

/**
 * Structured JSON logs, one object per line, on stdout unless `destination` says otherwise (command-line
 * tools log to stderr and keep stdout for their output).
 */
export function createLogger(
  level = 'info',
  bindings: Record<string, unknown> = {},
  destination?: DestinationStream,
): Logger {
  return pino({ level, base: bindings, timestamp: pino.stdTimeFunctions.isoTime }, destination)
}
