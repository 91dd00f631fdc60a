import { ManualClock, type Clock } from '../../clock.ts'
import type { Logger } from '../../logger.ts'

export interface TickOptions {
  /** Whose time a tick's answer is in: the services' clock. */
  clock: Clock
  logger: Logger
  /** The longest wait between ticks, whatever a tick answers (default a minute, as workerd's cron). */
  maxDelayMs?: number
}

export interface Ticking {
  /** No tick starts after this; one running is waited for. */
  stop(): Promise<void>
}

/**
 * Runs a service's `tick` (see `Service.tick`) now, and then again when the time it answers comes: at
 * most `maxDelayMs` later, so a clock that jumped or a machine that slept is noticed, and at least a
 * second later, so a clock standing still (`CLOCK=manual`) just before the time named is not asked
 * again and again. A tick that fails is logged and tried again after `maxDelayMs`. A manual clock moved
 * on ticks at once (after the tick running, if one is): what the move made due is done then.
 *
 * @example
 * const ticking = await startTicking(() => clock.tick(), { clock, logger })
 * await ticking.stop()
 */
export async function startTicking(
  tick: () => Promise<Date | void>,
  { clock, logger, maxDelayMs = 60_000 }: TickOptions,
): Promise<Ticking> {
  const minDelayMs = Math.min(1_000, maxDelayMs)
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()

  async function run(): Promise<void> {
    let delay = maxDelayMs
    try {
      const due = await tick()
      if (due) delay = Math.min(maxDelayMs, Math.max(minDelayMs, due.getTime() - clock.now().getTime()))
    } catch (error) {
      logger.error({ err: error }, 'background work failed; trying again')
    }
    if (!stopped) timer = setTimeout(() => (running = run()), delay)
  }

  const unsubscribe =
    clock instanceof ManualClock
      ? clock.onMove(() => {
          if (stopped) return
          clearTimeout(timer)
          running = running.then(() => {
            clearTimeout(timer)
            return stopped ? undefined : run()
          })
        })
      : () => {}

  // The first tick runs before the host serves: the work due while it was down is done first.
  running = run()
  await running
  return {
    async stop() {
      unsubscribe()
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
