import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { ManualClock, systemClock } from '../../clock.ts'
import { createLogger } from '../../logger.ts'
import { startTicking } from './ticks.ts'

const logger = createLogger('silent')

describe('ticking a service’s background work on the Node host', () => {
  it('ticks once before it returns, so what was due while the host was down is done first', async () => {
    let ticks = 0
    const ticking = await startTicking(async () => void ticks++, { clock: systemClock, logger })
    onTestFinished(ticking.stop)
    expect(ticks).toBe(1)
  })

  it('ticks again when the time the tick answered comes', async () => {
    const times: number[] = []
    const ticking = await startTicking(
      async () => {
        times.push(performance.now())
        return new Date(systemClock.now().getTime() + 1_200)
      },
      { clock: systemClock, logger },
    )
    onTestFinished(ticking.stop)
    await vi.waitFor(() => expect(times).toHaveLength(2), { timeout: 3_000, interval: 20 })
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1_150)
    expect(times[1]! - times[0]!).toBeLessThan(2_000)
  })

  it('ticks again after maxDelayMs at the latest, and after a failure', async () => {
    let ticks = 0
    const ticking = await startTicking(
      async () => {
        ticks++
        if (ticks === 2) throw new Error('database busy')
        return new Date('2999-01-01T00:00:00Z')
      },
      { clock: systemClock, logger, maxDelayMs: 30 },
    )
    onTestFinished(ticking.stop)
    await vi.waitFor(() => expect(ticks).toBeGreaterThanOrEqual(4), { timeout: 2_000, interval: 10 })
  })

  it('waits a second at least when a clock stands still just before the time answered', async () => {
    const clock = new ManualClock(new Date('2026-12-01T23:59:59.990Z'))
    let ticks = 0
    const ticking = await startTicking(
      async () => {
        ticks++
        return new Date('2026-12-02T00:00:00Z')
      },
      { clock, logger },
    )
    onTestFinished(ticking.stop)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(ticks).toBe(1)
  })

  it('ticks at once when a manual clock is moved on, and not when it is set to the time it shows', async () => {
    const clock = new ManualClock(new Date('2026-12-01T10:00:00Z'))
    await clock.advanceTo(new Date('2026-12-01T10:00:00Z'))
    const seen: string[] = []
    const ticking = await startTicking(
      async () => {
        seen.push(clock.now().toISOString())
        return new Date('2026-12-02T10:00:00Z')
      },
      { clock, logger },
    )
    onTestFinished(ticking.stop)
    await clock.advanceTo(new Date('2026-12-01T10:00:00Z'))
    await clock.advanceTo(new Date('2026-12-02T11:00:00Z'))
    await vi.waitFor(() => expect(seen).toEqual(['2026-12-01T10:00:00.000Z', '2026-12-02T11:00:00.000Z']), {
      timeout: 500,
      interval: 5,
    })
  })

  it('starts no tick once stopped, and waits for the one running', async () => {
    let ticks = 0
    let finished = 0
    const ticking = await startTicking(
      async () => {
        ticks++
        await new Promise((resolve) => setTimeout(resolve, 50))
        finished++
      },
      { clock: systemClock, logger, maxDelayMs: 10 },
    )
    await vi.waitFor(() => expect(ticks).toBeGreaterThanOrEqual(2), { timeout: 2_000, interval: 5 })
    await ticking.stop()
    expect(finished).toBe(ticks)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(ticks).toBe(finished)
  })
})
