import type { Server, ServerResponse } from 'node:http'

/**
 * Prepares `server` for a graceful stop and returns the function that stops it: no new connections,
 * requests in flight answered in full (with `Connection: close` where their headers are not sent yet),
 * then, once none is in flight, every connection closed. `server.close()` alone closes only the
 * connections idle at that moment and waits for the others, which a busy keep-alive client holds on to
 * for seconds. An event stream has no end of its own: it is cut, and its client resumes it
 * (`Last-Event-ID`) elsewhere, or here once the host is back.
 * @example
 * const close = gracefulClose(serve({ fetch, port }) as Server)
 * process.on('SIGTERM', async () => { await close(); process.exit(0) })
 */
export function gracefulClose(server: Server): () => Promise<void> {
  const inFlight = new Set<ServerResponse>()
  let closing = false
  let sweeping: NodeJS.Timeout | undefined
  const eventStreams = new WeakSet<ServerResponse>()
  const askToClose = (response: ServerResponse) => {
    if (!response.headersSent) response.setHeader('connection', 'close')
    else if (eventStreams.has(response)) response.destroy()
  }
  const closeConnectionsWhenIdle = () => {
    if (!closing || inFlight.size > 0) return
    clearInterval(sweeping)
    server.closeAllConnections()
  }
  // First, so that the response is watched before any handler writes its head.
  server.prependListener('request', (_request, response) => {
    inFlight.add(response)
    noteEventStream(response, eventStreams)
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
      // An event stream whose headers were not sent yet when asked is cut once they are.
      sweeping = setInterval(() => inFlight.forEach(askToClose), 100)
      server.close(() => resolve())
      closeConnectionsWhenIdle()
    })
}

/**
 * Adds `response` to `eventStreams` when its headers say it is one. Headers handed to `writeHead` (as
 * @hono/node-server hands them) are sent without being kept, so `getHeader` cannot tell afterwards.
 */
function noteEventStream(response: ServerResponse, eventStreams: WeakSet<ServerResponse>) {
  const writeHead = response.writeHead
  response.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const headers = args.find((arg) => typeof arg === 'object' && arg !== null)
    const type = Array.isArray(headers)
      ? headers[headers.findIndex((name) => String(name).toLowerCase() === 'content-type') + 1]
      : Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1]
    if (String(type ?? this.getHeader('content-type')).startsWith('text/event-stream')) eventStreams.add(this)
    return writeHead.apply(this, args as Parameters<typeof writeHead>)
  } as typeof writeHead
}
