import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { logFormat } from './logger.ts'

const root = new URL('../', import.meta.url).pathname
const printLogs = 'node --import tsx shared/testing/print-logs.ts'
// `npm run start:deno`'s command and permissions, on the same script.
const { scripts } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'))
const printLogsOnDeno = (scripts['start:deno'] as string)
  .replace(/^exec deno/, 'node_modules/.bin/deno')
  .replace('shared/host/node/main.ts', 'shared/testing/print-logs.ts')

/** Runs the script with stdout on a pipe, or on a pseudo terminal (`script`, from util-linux). */
async function run(command: string, { terminal = false, env = {} as Record<string, string> } = {}) {
  const [file, args] = terminal ? ['script', ['-qec', command, '/dev/null']] : ['sh', ['-c', command]]
  const { stdout, stderr } = await promisify(execFile)(file, args, {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1', LOG_FORMAT: '', ...env },
  }).catch((error: { stdout: string; stderr: string }) => error)
  return { out: stdout.replaceAll('\r\n', '\n'), err: stderr }
}

describe('logFormat', () => {
  it('is pretty on a terminal and JSON elsewhere', () => {
    expect(logFormat({}, true)).toBe('pretty')
    expect(logFormat({}, false)).toBe('json')
  })

  it('follows LOG_FORMAT over what the output is', () => {
    expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json')
    expect(logFormat({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty')
  })
})

describe('a host logging', () => {
  it('writes lines a person reads when stdout is a terminal', async () => {
    const { out } = await run(printLogs, { terminal: true })
    expect(out).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: customers: service started\n {4}database: "file:\/\/"\n/,
    )
    expect(out).toMatch(/\] FATAL: cannot go on\n/)
    expect(out).not.toContain('{"level"')
  })

  it('writes the same readable lines under Deno, and JSON into a pipe', async () => {
    const { out } = await run(printLogsOnDeno, { terminal: true })
    expect(out).toMatch(/\] INFO: customers: service started\n/)
    const piped = await run(printLogsOnDeno)
    expect(JSON.parse(piped.out.split('\n')[0]!)).toMatchObject({ msg: 'service started' })
  })

  it('writes one JSON object per line when stdout is not a terminal', async () => {
    const { out } = await run(printLogs)
    expect(
      out
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      expect.objectContaining({ level: 30, host: 'node', service: 'customers', msg: 'service started' }),
      expect.objectContaining({ level: 60, msg: 'cannot go on' }),
    ])
  })

  it('writes JSON on a terminal, and readable lines into a pipe, as LOG_FORMAT says', async () => {
    const json = await run(printLogs, { terminal: true, env: { LOG_FORMAT: 'json' } })
    expect(json.out).toContain('"msg":"service started"')
    const pretty = await run(`${printLogs} | cat`, { env: { LOG_FORMAT: 'pretty' } })
    expect(pretty.out).toContain('INFO: customers: service started')
  })

  it('says so when LOG_FORMAT is neither json nor pretty, and logs as it would without it', async () => {
    const { out } = await run(printLogs, { env: { LOG_FORMAT: 'xml' } })
    expect(JSON.parse(out.split('\n')[0]!)).toMatchObject({
      level: 40,
      msg: 'LOG_FORMAT=xml is neither json nor pretty; logging as json',
    })
  })

  it("writes a tool's logs on stderr, readable when stderr is a terminal", async () => {
    const { out, err } = await run(`${printLogs} stderr 2>&1 >/dev/null`, { terminal: true })
    expect(err).toBe('')
    expect(out).toContain('INFO: customers: service started')
  })
})
