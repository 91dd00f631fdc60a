import type { Write } from '../../shared/db/statements.ts'

/** A reader's turn to look again: settles `true` when woken, `false` when its time ran out or it was cancelled. */
export interface Wake {
  woken: Promise<boolean>
  cancel(): void
}

/**
 * Wakes the live streams of the recipients whose notifications this process's consumer just committed,
 * so they read them at once rather than at their next poll. The consumer marks the writes that deliver
 * notifications; the batch's commit names them back (`committed`), so nothing is woken for a batch
 * that failed. Commits made by another process are found by a look (`wake`), of the process or of
 * each stream.
 *
 * @example
 * const wake = live.next('customer:c-1', 1000) // before reading, so no commit falls in between
 * const rows = await unsent()
 * if (rows.length === 0) await wake.woken
 * else wake.cancel()
 */
export class LiveRecipients {
  readonly #waiting = new Map<string, Set<(woken: boolean) => void>>()
  readonly #recipientsOf = new WeakMap<Write, readonly string[]>()

  /** `write`, noted as delivering notifications to `recipients`. */
  mark<T extends Write>(write: T, recipients: readonly string[]): T {
    this.#recipientsOf.set(write, recipients)
    return write
  }

  /** Wakes the readers of the recipients `writes` delivered to; called once they have committed. */
  committed(writes: readonly Write[]): void {
    for (const write of writes) this.wake(this.#recipientsOf.get(write) ?? [])
  }

  /** Wakes the readers of `recipients`, whoever committed their notifications. */
  wake(recipients: Iterable<string>): void {
    for (const recipient of recipients) for (const settle of this.#waiting.get(recipient) ?? []) settle(true)
  }

  /** A wake for the next commit delivering to `recipient`, or after `timeoutMs`. */
  next(recipient: string, timeoutMs: number): Wake {
    let settle!: (woken: boolean) => void
    const woken = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => settle(false), timeoutMs)
      settle = (value) => {
        clearTimeout(timer)
        const waiting = this.#waiting.get(recipient)
        waiting?.delete(settle)
        if (waiting?.size === 0) this.#waiting.delete(recipient)
        resolve(value)
      }
    })
    const waiting = this.#waiting.get(recipient) ?? new Set()
    waiting.add(settle)
    this.#waiting.set(recipient, waiting)
    return { woken, cancel: () => settle(false) }
  }
}
