import { createServer } from 'node:net'

/**
 * Whether nothing listens on `port` yet (any address), by listening there for a moment. Port 0 asks for
 * any free port and is always free.
 */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, () => probe.close(() => resolve(true)))
  })
}
