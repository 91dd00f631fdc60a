import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const kernel = new URL('./', import.meta.url).pathname

/** The kernel's source files: everything in shared/ but the hosts and the tests. */
async function kernelSources(dir = kernel): Promise<string[]> {
  const found: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (relative(kernel, path) !== 'host') found.push(...(await kernelSources(path)))
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) found.push(path)
  }
  return found
}

describe('the kernel', () => {
  it('imports no service, no host and no development tool', async () => {
    const sources = await kernelSources()
    expect(sources.length).toBeGreaterThan(30)
    const crossings: string[] = []
    for (const path of sources) {
      const text = await readFile(path, 'utf8')
      for (const [, from] of text.matchAll(/(?:from|import)\s*\(?'([^']+)'/g))
        if (/(^|\/)(workers|host|tools)\//.test(from!)) crossings.push(`${relative(kernel, path)} → ${from}`)
    }
    expect(crossings).toEqual([])
  })
})
