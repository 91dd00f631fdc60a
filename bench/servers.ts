import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'

export const root = new URL('..', import.meta.url).pathname

export interface Server {
  url: string
  /** The largest resident set the server's own process has had so far (VmHWM), in bytes. */
  peakRss(): Promise<number>
  /** The server's own process's resident set now (VmRSS), in bytes. */
  rss(): Promise<number>
  /** The CPU time (user and system) the server's own process has used so far, in ms. */
  cpuMs(): Promise<number>
  stop(): Promise<void>
}

// Every server runs in a process group of its own (wrangler starts workerd, dev:edge starts wrangler):
// stopping it, or this process exiting on an error or Ctrl-C, ends the whole group and nothing else.
const groups = new Set<number>()
const signal = (pid: number, name: NodeJS.Signals) => {
  try {
    process.kill(pid, name)
  } catch {
    // Already gone.
  }
}
/** Kills every server still running, at once: for a run that is ending early. */
export const killServers = () => groups.forEach((pid) => signal(-pid, 'SIGKILL'))
process.on('exit', killServers)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const answers = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(5_000) }).then(
    (r) => r.ok,
    () => false,
  )

/** A figure of /proc/<pid>/status given in kB (VmHWM, VmRSS), in bytes. */
async function statusKb(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024
}

/**
 * Starts `command` in its own process group, listening on `port`, and waits until `ready` answers 2xx.
 *
 * @example
 * const hello = await startServer('hello', 'node_modules/.bin/wrangler', ['dev', '--port', '8787'], {
 *   port: 8787, ready: '/', env: {},
 * })
 */
export async function startServer(
  name: string,
  command: string,
  args: string[],
  options: { port: number; ready: string; env: Record<string, string>; timeoutMs?: number },
): Promise<Server> {
  const url = `http://127.0.0.1:${options.port}`
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  const pid = child.pid!
  groups.add(pid)
  // What a server says while it is measured is shown; what it says once asked to stop is not (wrangler's
  // esbuild, losing its parent in the middle of a watch, prints a Go stack dump).
  let stopping = false
  child.stdout!.on('data', (chunk: Buffer) => stopping || process.stdout.write(chunk))
  child.stderr!.on('data', (chunk: Buffer) => stopping || process.stderr.write(chunk))
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  const stop = async () => {
    if (!groups.delete(pid)) return
    stopping = true
    // The leader stops what it started (wrangler its workerd, dev:edge its wrangler); signalled all at
    // once, wrangler reports its runtime's death as an error. Whatever is left after a bounded graceful
    // shutdown is killed.
    signal(pid, 'SIGTERM')
    await Promise.race([exited, sleep(20_000)])
    signal(-pid, 'SIGKILL')
  }
  const deadline = performance.now() + (options.timeoutMs ?? 60_000)
  while (!(await answers(url + options.ready))) {
    if (child.exitCode !== null || performance.now() > deadline) {
      await stop()
      throw new Error(`${name} did not start (no 2xx from ${options.ready})`)
    }
    await sleep(100)
  }
  return {
    url,
    peakRss: () => statusKb(pid, 'VmHWM'),
    rss: () => statusKb(pid, 'VmRSS'),
    async cpuMs() {
      // utime and stime, in clock ticks of 10 ms (USER_HZ is 100 on Linux), after the command's name.
      const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')
      return (Number(fields[11]) + Number(fields[12])) * 10
    },
    stop,
  }
}

/** A port no one listens on now, from the kernel: others may be running servers on this machine too. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

/**
 * A TypeScript server of this repository on a free port (`PORT`), run by this Node as
 * `node [nodeFlags] --import tsx <script>`: no npm or shell in between, so the process measured is the
 * server's.
 */
export async function startScript(
  name: string,
  script: string,
  options: { ready: string; env: Record<string, string>; timeoutMs?: number; nodeFlags?: string[] },
): Promise<Server> {
  const port = await freePort()
  return startServer(name, process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', script], {
    ...options,
    port,
    env: { ...options.env, PORT: String(port) },
  })
}
