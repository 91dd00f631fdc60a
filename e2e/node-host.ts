import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../shared/testing/redis.ts'
import { TEST_SECRET, testTokens } from '../shared/testing/tokens.ts'

const root = new URL('..', import.meta.url).pathname
const scripts: Record<string, string> = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts

/**
 * Each runtime runs the host as its package script says (`npm start`, `npm run start:deno`,
 * `npm run dev:edge`), without npm in between, so signals reach the host itself. Deno's first start
 * compiles and caches, and wrangler bundles every worker, so those get longer to become healthy.
 */
const runtimes = {
  node: { script: 'start', command: 'node', binary: process.execPath, startTimeoutMs: 20_000 },
  deno: {
    script: 'start:deno',
    command: 'deno',
    binary: join(root, 'node_modules/.bin/deno'),
    startTimeoutMs: 90_000,
  },
  edge: { script: 'dev:edge', command: 'node', binary: process.execPath, startTimeoutMs: 90_000 },
}
export type Runtime = keyof typeof runtimes

function hostCommand(runtime: Runtime): [string, string[]] {
  const { script, command, binary } = runtimes[runtime]
  const [first, ...args] = scripts[script]!.replace(/^exec /, '').split(' ')
  if (first !== command) throw new Error(`package script ${script} does not start with ${command}`)
  return [binary, args]
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** The demo manager every host seeds outside production. */
export const MANAGER = { email: 'manager@pitstop.local', password: 'pitstop' }

/**
 * The real host (`npm start`'s entry) in a child process under Node, or under Deno with
 * `{ runtime: 'deno' }`, or the workers under `wrangler dev` with `{ runtime: 'edge' }`, with its own
 * port, data directory and stream prefix (unless `env` gives one). `restart()` starts it again on the
 * same data, as after a deploy.
 *
 * Requests go as the demo manager, signed in as a user would (`POST /api/auth/login`) after each start,
 * since a host without AUTH_SECRET signs with a secret of its own run. A host whose SERVICES leave out
 * auth is one process of a deployment whose auth service runs elsewhere: it gets the deployment's
 * AUTH_SECRET, and the manager's token is signed with it.
 */
export async function startNodeHost(
  env: Record<string, string> = {},
  { runtime = 'node' as Runtime, healthy = true } = {},
) {
  const dataDir = await mkdtemp(join(tmpdir(), 'pitstop-e2e-'))
  const streamPrefix = env.STREAM_PREFIX ?? uniquePrefix('e2e')
  const redisUrl = env.REDIS_URL ?? TEST_REDIS_URL
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const runsAuth =
    env.SERVICES === undefined || env.SERVICES.split(',').some((name) => name.trim() === 'auth')
  const secret = env.AUTH_SECRET ?? (runsAuth ? undefined : TEST_SECRET)
  let child: ChildProcess
  let output = ''
  let authorization = ''

  /** The manager's credentials for this run of the host; none for a host that cannot give them. */
  const signIn = async () => {
    if (!runsAuth) {
      const tokens = testTokens({ keys: { current: secret! }, prefix: streamPrefix })
      // Long-lived: as the deployment's signer, not a session, so a manual clock moved on leaves it valid.
      const lifetime = 100 * 365 * 24 * 3_600_000
      authorization = `Bearer ${(await tokens.issue({ role: 'manager', email: MANAGER.email }, lifetime, crypto.randomUUID())).token}`
      return tokens.close()
    }
    const response = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(MANAGER),
    })
    if (response.ok) authorization = `Bearer ${((await response.json()) as { token: string }).token}`
    else if (healthy)
      throw new Error(
        `cannot sign in as ${MANAGER.email}: ${response.status} ${await response.text()}\n${output}`,
      )
  }

  const start = async () => {
    const [binary, args] = hostCommand(runtime)
    // As a user's shell starts it: without the test runner's NODE_ENV=test.
    const { NODE_ENV: _, ...inherited } = process.env
    child = spawn(binary, args, {
      cwd: root,
      env: {
        ...inherited,
        PORT: String(port),
        DATA_DIR: dataDir,
        STREAM_PREFIX: streamPrefix,
        LOG_LEVEL: 'warn',
        REDIS_URL: redisUrl,
        ...(secret ? { AUTH_SECRET: secret } : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A group of its own, so what it started (wrangler and workerd, under dev:edge) goes with it.
      detached: true,
    })
    child.stdout!.on('data', (chunk) => (output += chunk))
    child.stderr!.on('data', (chunk) => (output += chunk))
    const deadline = Date.now() + runtimes[runtime].startTimeoutMs
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`host exited with ${child.exitCode}:\n${output}`)
      // `healthy: false` for hosts expected to start degraded: any answer from /health will do.
      const up = await fetch(`${url}/health`).then(
        (r) => r.ok || !healthy,
        () => false,
      )
      if (up) return signIn()
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`host did not become healthy:\n${output}`)
  }

  /** Sends a signal and resolves with the exit code. */
  const signal = (name: NodeJS.Signals) =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode)
      child.once('exit', (code) => resolve(code))
      child.kill(name)
    })

  /** Kills the host and whatever it started that is still running, at once. */
  const kill = async () => {
    const exited = child.exitCode !== null || child.signalCode !== null ? undefined : once(child, 'exit')
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // Nothing of the group is left.
    }
    await exited
  }

  // A host that fails to start (some tests expect it to) leaves neither a process nor its data behind.
  await start().catch(async (error: unknown) => {
    await kill()
    await rm(dataDir, { recursive: true, force: true })
    throw error
  })
  const send = (method: string, path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify(body),
    })
  return {
    url,
    dataDir,
    streamPrefix,
    output: () => output,
    /** The manager's `authorization` header for this run, for requests made by hand. */
    authorization: () => authorization,
    get: (path: string) => fetch(`${url}${path}`, { headers: { authorization } }),
    post: (path: string, body: unknown) => send('POST', path, body),
    put: (path: string, body: unknown) => send('PUT', path, body),
    signal,
    restart: start,
    async cleanup() {
      await kill()
      await deleteKeys(streamPrefix, redisUrl).catch(() => {})
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}
