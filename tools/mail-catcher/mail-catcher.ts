import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** A message as the catcher's server took it: its envelope, and its headers and text as mailparser read them. */
export interface CaughtMail {
  envelope: { from: string; to: string[] }
  from: { name: string; address?: string }[]
  to: { name: string; address?: string }[]
  subject: string
  text: string
  messageId: string
}

const serverScript = fileURLToPath(new URL('./server.ts', import.meta.url))

/**
 * Starts a real SMTP server (`smtp-server`) in a process of its own, on a free port, and collects the
 * messages it takes. `refuseFirst` messages are answered 451 (try again later) first, and so are as
 * many more as `refuseNext` asks. `stop()` ends the process.
 *
 * @example
 * const catcher = await startMailCatcher()
 * // … SMTP_URL: catcher.url
 * const [mail] = await catcher.until(1)
 * await catcher.stop()
 */
export async function startMailCatcher({ refuseFirst = 0 }: { refuseFirst?: number } = {}) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', serverScript, '--port', '0', '--refuse-first', String(refuseFirst)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const messages: CaughtMail[] = []
  let refused = 0
  let refusing: (() => void) | undefined
  const listening = new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the mail catcher exited (${code}) before it listened`)))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const said = JSON.parse(line) as {
        listening?: number
        message?: CaughtMail
        refused?: unknown
        refusing?: number
      }
      if (said.refusing !== undefined) refusing?.()
      if (said.listening !== undefined) resolve(said.listening)
      if (said.message) messages.push(said.message)
      if (said.refused) refused++
    })
  })
  const port = await listening

  return {
    url: `smtp://127.0.0.1:${port}`,
    /** What arrived, in order. */
    messages,
    /** How many messages were refused (451) so far. */
    get refused() {
      return refused
    },
    /** Makes the server refuse the next `count` messages (451) as well; resolves once it will. */
    async refuseNext(count: number): Promise<void> {
      const told = new Promise<void>((resolve) => (refusing = resolve))
      child.stdin!.write(`${JSON.stringify({ refuse: count })}\n`)
      await told
    },
    /** Waits until `count` messages have arrived (or throws after `timeoutMs`); answers them all. */
    async until(count: number, timeoutMs = 10_000): Promise<CaughtMail[]> {
      const deadline = performance.now() + timeoutMs
      while (messages.length < count) {
        if (performance.now() > deadline)
          throw new Error(`${messages.length} of ${count} e-mails arrived within ${timeoutMs} ms`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return messages
    },
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}
export type MailCatcher = Awaited<ReturnType<typeof startMailCatcher>>
