import { resolve } from 'node:path'
import { buildEdgeWorkers, root } from './edge-workers.ts'

// `npm run build:edge`: bundles each worker into dist/edge/<name>/ and checks that it stays under
// 1 MiB gzipped, the budget this project holds every worker to (well inside Cloudflare's own limits).
const LIMIT = 1024 * 1024
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`

const built = await buildEdgeWorkers(resolve(root, 'dist/edge'))
console.table(
  built.map(({ name, bytes, gzipBytes }) => ({ worker: name, bundle: kib(bytes), gzipped: kib(gzipBytes) })),
)
const tooBig = built.filter((w) => w.gzipBytes >= LIMIT)
for (const w of tooBig)
  console.error(`${w.name} is ${kib(w.gzipBytes)} gzipped, over the ${kib(LIMIT)} limit`)
process.exit(tooBig.length > 0 ? 1 : 0)
