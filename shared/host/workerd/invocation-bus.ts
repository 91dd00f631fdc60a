import type { Bus } from '../../bus/bus.ts'

/**
 * A bus for what lives longer than one invocation (a service built once per isolate), whose commands go
 * over the bus of the invocation sending them: workerd ties a socket to the invocation that opened it.
 *
 * @example
 * const invocation = new AsyncLocalStorage<Bus>()
 * const relay = new OutboxRelay({ bus: invocationBus(() => invocation.getStore()), ... })
 * invocation.run(openBus(), () => relay.kick())
 */
export function invocationBus(current: () => Bus | undefined): Bus {
  return new Proxy({} as Bus, {
    get(_, command: keyof Bus | 'then') {
      // Not a promise: `await` and `Promise.resolve` look for `then`.
      if (command === 'then') return undefined
      return (...args: unknown[]) => {
        const bus = current()
        if (!bus) throw new Error(`bus.${command} called outside an invocation`)
        return (bus[command] as (...args: unknown[]) => unknown)(...args)
      }
    },
  })
}
