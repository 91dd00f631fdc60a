import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../shared/testing/redis.ts'

const root = new URL('..', import.meta.url).pathname

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/**
 * The real Node host (`npm start`'s entry) in a child process, with its own port, data directory and
 * stream prefix. `restart()` starts it again on the same data, as after a deploy.
 */
export async function startNodeHost(env: Record<string, string> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'pitstop-e2e-'))
  const streamPrefix = uniquePrefix('e2e')
  const redisUrl = env.REDIS_URL ?? TEST_REDIS_URL
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  let child: ChildProcess
  let output = ''

  const start = async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'shared/host/node/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        DATA_DIR: dataDir,
        STREAM_PREFIX: streamPrefix,
        LOG_LEVEL: 'warn',
        REDIS_URL: redisUrl,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout!.on('data', (chunk) => (output += chunk))
    child.stderr!.on('data', (chunk) => (output += chunk))
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) throw new Error(`host exited with ${child.exitCode}:\n${output}`)
      const healthy = await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
      if (healthy) return
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

  await start()
  const send = (method: string, path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  return {
    url,
    dataDir,
    streamPrefix,
    output: () => output,
    get: (path: string) => fetch(`${url}${path}`),
    post: (path: string, body: unknown) => send('POST', path, body),
    put: (path: string, body: unknown) => send('PUT', path, body),
    signal,
    restart: start,
    async cleanup() {
      await signal('SIGKILL')
      await deleteKeys(streamPrefix, redisUrl).catch(() => {})
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}
