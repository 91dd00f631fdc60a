import { serve } from '@hono/node-server'
import { mkdir } from 'node:fs/promises'
import type { Server } from 'node:http'
import { createLogger } from '../../logger.ts'
import { configOrExit, randomSecretNotice } from '../config.ts'
import { createGateway } from '../gateway.ts'
import { webApp } from '../../../workers/web/app.tsx'
import { fileAssets } from './assets.ts'
import { startServices } from './services.ts'
import { gracefulClose } from './graceful-close.ts'
import { portProblem } from './port.ts'
import { ensureRedis } from './redis-server.ts'

// The Node host: every configured service in this process, behind one port.
const config = configOrExit(process.env)
// The same entry runs under Deno (`npm run start:deno`); its logs should say so.
const logger = createLogger(config.logLevel, { host: process.versions.deno ? 'deno' : 'node' })

let stopRedis: (graceMs?: number) => Promise<void>
try {
  // A redis-server the host starts keeps its append-only files here.
  await mkdir(config.dataDir, { recursive: true })
  stopRedis = await ensureRedis(config.redisUrl, config.dataDir, logger)
} catch (error) {
  logger.fatal((error as Error).message)
  process.exit(1)
}

// A port this process cannot listen on is said before any database is opened or group joined.
const portRefused = await portProblem(config.port)
if (portRefused) {
  logger.fatal(portRefused)
  await stopRedis()
  process.exit(1)
}

const running = await startServices(config, logger)
if (config.authSecretGenerated) logger.warn(randomSecretNotice)
const server = serve(
  {
    fetch: createGateway(running, { corsOrigins: config.corsOrigins, logger, web: webApp(fileAssets()) })
      .fetch,
    port: config.port,
    // A client that is slow to send its request (headers or body) is answered 408 and cut off, rather
    // than holding a connection and its buffers for minutes; an idle keep-alive connection goes after
    // 5 s at most. Node checks these timeouts on an interval (30 s by default), so it checks often
    // enough for the limit to mean what it says. Deno's node:http honours them too.
    serverOptions: {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: config.requestTimeoutMs,
      keepAliveTimeout: Math.min(config.requestTimeoutMs, 5_000),
      connectionsCheckingInterval: Math.min(config.requestTimeoutMs, 1_000),
    },
  },
  (info) =>
    logger.info(
      { port: info.port, services: config.services },
      `Pitstop Edge listening on http://localhost:${info.port}`,
    ),
)
const closeServer = gracefulClose(server as Server)

let stopping = false
// Listening failed (the port taken, say): nothing can be served, so everything started stops again.
async function cannotListen(error: Error) {
  if (stopping) return
  stopping = true
  logger.fatal({ err: error }, `cannot listen on port ${config.port}`)
  await running.stop()
  await stopRedis()
  process.exit(1)
}
server.once('error', cannotListen)
server.once('listening', () => server.off('error', cannotListen))
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  logger.info({ signal }, 'shutting down')
  const startedAt = performance.now()
  // Exiting kills a redis-server this host started (see ensureRedis), also when the deadline fires.
  const deadline = setTimeout(() => {
    logger.error('shutdown took too long; exiting')
    process.exit(1)
  }, config.shutdownTimeoutMs)
  // Stop taking requests and let those in flight finish; then the consumers and relays.
  await closeServer()
  await running.stop()
  // Whatever time is left is the redis-server's to write its append-only file and exit.
  await stopRedis(Math.max(0, config.shutdownTimeoutMs - (performance.now() - startedAt) - 200))
  clearTimeout(deadline)
  logger.info('stopped')
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
