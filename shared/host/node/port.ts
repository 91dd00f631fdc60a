import { createServer } from 'node:net'

/**
 * Why this process cannot listen on `port` (any address), found by listening there for a moment, or
 * undefined when it can. Port 0 asks for any free port and is always free.
 */
export function portProblem(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', (error: NodeJS.ErrnoException) =>
      resolve(
        error.code === 'EADDRINUSE'
          ? `Port ${port} is already in use: stop what listens there, or set PORT to another port`
          : error.code === 'EACCES'
            ? `Port ${port} needs privileges this process lacks: set PORT to 1024 or above`
            : `Cannot listen on port ${port}: ${error.message}`,
      ),
    )
    probe.listen(port, () => probe.close(() => resolve(undefined)))
  })
}
