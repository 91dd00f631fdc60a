import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import * as v from 'valibot'
import { BusyTimeoutError, Connection } from './connection.ts'
import { PipelineRequest, ProtocolError, type StreamResult } from './hrana.ts'
import { handleRequest, type StreamState } from './requests.ts'

export interface LibsqlDevServerOptions {
  /** Directory of the database files, `<name>.db` each; created if missing. */
  dataDir: string
  /** 0 picks a free port. */
  port: number
  hostname?: string
  /** How long a stream may sit unused before its transaction is rolled back and its baton refused. */
  streamIdleMs?: number
  /** How long a statement waits for a lock another connection holds, as SQLite's `busy_timeout` would. */
  busyTimeoutMs?: number
}

export interface LibsqlDevServer {
  /** Origin of the server, e.g. `http://127.0.0.1:8081`. */
  url: string
  port: number
  /** The URL a client opens the database `<dataDir>/<name>.db` with. */
  databaseUrl(name: string): string
  close(): Promise<void>
}

const DATABASE_NAME = '[A-Za-z0-9_-]+'

/**
 * Serves the libSQL HTTP protocol (Hrana 2 over HTTP, JSON) over the database files of `dataDir`, so that
 * code whose @libsql/client only speaks HTTP, as on workerd, shares the files the Node host opens directly.
 *
 * The database is the first path segment, and the URL must end in a slash: the client resolves `v2/pipeline`
 * against its URL, which keeps `http://host:port/customers/` but replaces the last segment of
 * `http://host:port/customers`. A subdomain per database would depend on the resolver knowing `*.localhost`,
 * and a port per database on knowing the databases up front.
 *
 * @example
 * const server = await startLibsqlDevServer({ dataDir: '.data', port: 8081 })
 * const client = createClient({ url: server.databaseUrl('customers') }) // http://127.0.0.1:8081/customers/
 */
export async function startLibsqlDevServer(options: LibsqlDevServerOptions): Promise<LibsqlDevServer> {
  const { dataDir, port, hostname = '127.0.0.1', streamIdleMs = 60_000, busyTimeoutMs = 5000 } = options
  await mkdir(dataDir, { recursive: true })
  const streams = new Streams(
    (name) => Connection.open(join(dataDir, `${name}.db`), busyTimeoutMs),
    streamIdleMs,
  )
  const server = createServer(handler(streams))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, hostname, resolve)
  })
  const address = server.address()
  const actualPort = typeof address === 'object' && address ? address.port : port
  const url = `http://${hostname}:${actualPort}`
  return {
    url,
    port: actualPort,
    databaseUrl: (name) => `${url}/${name}/`,
    async close() {
      await new Promise((resolve) => server.close(resolve))
      streams.closeAll()
    },
  }
}

const VERSION_PATH = new RegExp(`^/(${DATABASE_NAME})/v2$`)
const PIPELINE_PATH = new RegExp(`^/(${DATABASE_NAME})/v2/pipeline$`)

/**
 * The HTTP API on node:http itself: a request is a few hundred bytes of JSON and a statement costs tens
 * of microseconds, so turning each into a Web Request and Response (as a Hono app on Node does) was
 * most of this server's CPU per statement.
 */
function handler(streams: Streams) {
  return async (request: IncomingMessage, response: ServerResponse) => {
    try {
      const path = (request.url ?? '/').split('?')[0]!
      const version = VERSION_PATH.exec(path)
      const pipeline = PIPELINE_PATH.exec(path)
      if (version && request.method === 'GET') {
        // The version check of the HTTP API spec.
        return plainText(response, 200, 'Hello, this is HTTP API v2 (Hrana over HTTP)')
      }
      if (!pipeline || request.method !== 'POST') {
        return plainText(
          response,
          404,
          'Not found: a database is served at http://<host>:<port>/<name>/ (mind the trailing slash)',
        )
      }
      const results = await runPipeline(streams, pipeline[1]!, await bodyOf(request))
      json(response, 200, results)
    } catch (error) {
      if (error instanceof ProtocolError) return plainText(response, 400, error.message)
      // Errors that end the stream get a Hrana error body, which the client raises with its code.
      if (error instanceof StreamExpiredError || error instanceof BusyTimeoutError)
        return json(response, 500, { message: error.message, code: error.code })
      plainText(response, 500, `Internal error: ${(error as Error).message}`)
    }
  }
}

async function runPipeline(streams: Streams, database: string, text: string) {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new ProtocolError('Cannot deserialize client message: the body is not JSON')
  }
  const body = v.safeParse(PipelineRequest, json)
  if (!body.success) {
    throw new ProtocolError(`Cannot deserialize client message: ${v.summarize(body.issues)}`)
  }
  const stream = await streams.acquire(database, body.output.baton)
  try {
    const results: StreamResult[] = []
    for (const request of body.output.requests) results.push(await handleRequest(stream, request))
    return { baton: streams.release(stream), base_url: null, results }
  } catch (error) {
    // A client must not use a stream after an HTTP error (HTTP API v2 spec), so its transaction ends here.
    streams.close(stream)
    throw error
  }
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function json(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

// @libsql/client shows an error body only under exactly `text/plain` (no charset).
function plainText(response: ServerResponse, status: number, text: string) {
  response.writeHead(status, { 'content-type': 'text/plain' }).end(text)
}

class StreamExpiredError extends Error {
  readonly code = 'STREAM_EXPIRED'
  constructor() {
    super('The stream has expired due to inactivity')
  }
}

interface Stream extends StreamState {
  id: string
  database: string
  /** Bumped at every request, so that each baton is good for one request only. */
  seq: number
  inUse: boolean
  idle?: NodeJS.Timeout
}

/** How long an expired stream's baton is answered with "expired" rather than "invalid". */
const REMEMBER_EXPIRED_MS = 5 * 60_000

/**
 * A client opens a stream for every statement or batch it sends outside a transaction; opening the
 * database file each time would cost more than the statement, so a closed stream's connection waits
 * for the next stream on the same database.
 */
const IDLE_CONNECTIONS_PER_DATABASE = 16

/** The open streams, each with its own connection, handed from request to request by batons. */
class Streams {
  readonly #open = new Map<string, Stream>()
  readonly #expired = new Set<string>()
  readonly #idle = new Map<string, Connection[]>()
  readonly #connect: (database: string) => Promise<Connection>
  readonly #idleMs: number

  constructor(connect: (database: string) => Promise<Connection>, idleMs: number) {
    this.#connect = connect
    this.#idleMs = idleMs
  }

  /** The stream a baton names, or a new stream when there is no baton. */
  async acquire(database: string, baton: string | null | undefined): Promise<Stream> {
    if (baton == null) {
      const connection = this.#idle.get(database)?.pop() ?? (await this.#connect(database))
      const id = randomBytes(16).toString('base64url')
      const stream: Stream = { id, database, connection, sqls: new Map(), seq: 0, inUse: true, closed: false }
      this.#open.set(id, stream)
      return stream
    }
    const [id = '', seq] = baton.split('.')
    const stream = this.#open.get(id)
    if (!stream)
      throw this.#expired.has(id) ? new StreamExpiredError() : new ProtocolError('Received an invalid baton')
    if (stream.database !== database) throw new ProtocolError('Received an invalid baton')
    if (stream.inUse || String(stream.seq) !== seq)
      throw new ProtocolError('Received a baton that has already been used')
    stream.inUse = true
    clearTimeout(stream.idle)
    return stream
  }

  /** Hands a stream back after a request: the baton for its next request, or `null` once it is closed. */
  release(stream: Stream): string | null {
    if (stream.closed) {
      this.#retire(stream)
      return null
    }
    stream.inUse = false
    stream.seq++
    stream.idle = setTimeout(() => this.#expire(stream), this.#idleMs).unref()
    return `${stream.id}.${stream.seq}`
  }

  /** Ends a stream that failed, and its connection with it: it may hold a statement SQLite left unreset. */
  close(stream: Stream): void {
    clearTimeout(stream.idle)
    this.#open.delete(stream.id)
    stream.connection.close()
  }

  closeAll(): void {
    for (const stream of this.#open.values()) this.close(stream)
    for (const connections of this.#idle.values()) for (const connection of connections) connection.close()
    this.#idle.clear()
  }

  /** Ends a stream in good order, keeping its connection, its transaction rolled back, for the next. */
  #retire(stream: Stream): void {
    clearTimeout(stream.idle)
    this.#open.delete(stream.id)
    const idle = this.#idle.get(stream.database) ?? []
    if (idle.length >= IDLE_CONNECTIONS_PER_DATABASE) return stream.connection.close()
    stream.connection.rollback()
    idle.push(stream.connection)
    this.#idle.set(stream.database, idle)
  }

  // A client that crashed mid-transaction would otherwise hold the write lock for good.
  #expire(stream: Stream): void {
    this.#retire(stream)
    this.#expired.add(stream.id)
    setTimeout(() => this.#expired.delete(stream.id), REMEMBER_EXPIRED_MS).unref()
  }
}
