import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = new URL('../', import.meta.url).pathname
const clockModule = join(root, 'shared/clock.ts')

/** The source files of `dir`, tests left out: they may stop, set or read time as they like. */
async function sources(dir: string): Promise<string[]> {
  const found: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) found.push(...(await sources(path)))
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) found.push(path)
  }
  return found
}

/**
 * Every way to read the system's time off `Date`: `Date.now()`, `new Date()` and `new Date` without
 * arguments, and `Date()` called as a function (which answers the current time as text).
 */
const readsSystemTime =
  /\bDate\.now\s*\(|\bnew\s+Date\s*\(\s*\)|\bnew\s+Date\b(?!\s*\()|(?<!\bnew\s+|\.\s*)\bDate\s*\(/g

describe('time', () => {
  it('is read from the system only in shared/clock.ts: everything else has the injected Clock', async () => {
    const files = [...(await sources(join(root, 'shared'))), ...(await sources(join(root, 'workers')))]
    expect(files.length).toBeGreaterThan(50)
    const readers: string[] = []
    for (const path of files.filter((file) => file !== clockModule)) {
      const lines = (await readFile(path, 'utf8')).split('\n')
      lines.forEach((line, i) => {
        for (const [found] of line.matchAll(readsSystemTime))
          readers.push(`${relative(root, path)}:${i + 1}: ${found}`)
      })
    }
    expect(readers).toEqual([])
  })

  it.each([
    ['Date.now()', true],
    ['new Date()', true],
    ['new  Date ( )', true],
    ['const d = new Date;', true],
    ['String(Date())', true],
    ['return Date()', true],
    ["new Date('2026-12-01T00:00:00Z')", false],
    ['new Date(instant)', false],
    ['Date.parse(text)', false],
    ['Date.UTC(2026, 0, 1)', false],
    ['new TZDate(2026, 0, 1, timeZone)', false],
    ['const asDate = (ms: number) => ms', false],
    ['now(): Date {', false],
    ['temporal.Date(1)', false],
  ])('finds %s: %s', (code, found) => {
    expect([...code.matchAll(readsSystemTime)].length > 0).toBe(found)
  })
})
