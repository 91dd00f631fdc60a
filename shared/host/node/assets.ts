import { readFile } from 'node:fs/promises'
import type { Assets } from '../../../workers/web/assets.ts'
import { assetFiles } from '../../../workers/web/assets.ts'

const root = new URL('../../../', import.meta.url)

/**
 * The web app's files as the Node and Deno hosts serve them: read from the repository once, at the first
 * request for each, and kept (they change only with a new release).
 */
export function fileAssets(): Assets {
  const read = new Map<string, Promise<Uint8Array>>()
  return async (path) => {
    const asset = assetFiles[path]
    if (!asset) return undefined
    let bytes = read.get(path)
    if (!bytes) {
      bytes = readFile(new URL(asset.file, root))
      read.set(path, bytes)
      bytes.catch(() => read.delete(path))
    }
    return new Response(await bytes, {
      headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=3600' },
    })
  }
}
