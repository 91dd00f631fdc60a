import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNodeHost } from './node-host.ts'

let host: Awaited<ReturnType<typeof startNodeHost>>
beforeAll(async () => {
  host = await startNodeHost({}, { runtime: 'edge' })
}, 120_000)
afterAll(async () => {
  await host.signal('SIGTERM')
  await host.cleanup()
})

describe('npm run dev:edge, started', () => {
  it("says what it serves without wrangler's banner, update check, telemetry notice or Request.cf fetch", () => {
    const output = host.output()
    expect(output).toContain('Ready on http://127.0.0.1:')
    expect(output).not.toContain('⛅️ wrangler')
    expect(output).not.toContain('update available')
    expect(output).not.toMatch(/telemetry/i)
    expect(output).not.toContain('Unable to fetch the `Request.cf` object')
  })
})
