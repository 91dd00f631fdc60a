import { pino, type Logger } from 'pino'

export type { Logger }

/** Structured JSON logs on stdout, one object per line. */
export function createLogger(level = 'info', bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: bindings, timestamp: pino.stdTimeFunctions.isoTime })
}
