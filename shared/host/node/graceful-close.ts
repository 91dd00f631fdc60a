import type { Server, ServerResponse } from 'node:http'

/**
 * Prepares `server` for a graceful stop and returns the function that stops it: no new connections,
 * requests in flight answered in full (with `Connection: close` where their headers are not sent yet),
 * then, once none is in flight, every connection closed. `server.close()` alone closes only the
 * connections idle at that moment and waits for the others, which a busy keep-alive client holds on to
 * for seconds.
 * @example
 * const close = gracefulClose(serve({ fetch, port }) as Server)
 * process.on('SIGTERM', async () => { await close(); process.exit(0) })
 */
export function gracefulClose(server: Server): () => Promise<void> {
  const inFlight = new Set<ServerResponse>()
  let closing = false
  const askToClose = (response: ServerResponse) => {
    if (!response.headersSent) response.setHeader('connection', 'close')
  }
  const closeConnectionsWhenIdle = () => {
    if (closing && inFlight.size === 0) server.closeAllConnections()
  }
  server.on('request', (_request, response) => {
    inFlight.add(response)
    if (closing) askToClose(response)
    response.once('close', () => {
      inFlight.delete(response)
      closeConnectionsWhenIdle()
    })
  })
  return () =>
    new Promise((resolve) => {
      closing = true
      inFlight.forEach(askToClose)
      server.close(() => resolve())
      closeConnectionsWhenIdle()
    })
}
