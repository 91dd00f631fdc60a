import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { edgeWorkers, root, webAssetsWorker, writeWorkerConfigs } from './edge-workers.ts'

// `npm run deploy:edge`: `wrangler deploy` for every worker of the registry and the worker of the web
// app's files, the gateway last (its service bindings name them), each from its config as deployed (see
// writeWorkerConfigs). Arguments go on to every `wrangler deploy` (`npm run deploy:edge -- --dry-run`).
const configs = await writeWorkerConfigs(resolve(root, 'dist/edge/configs'))
const workers = [...edgeWorkers, webAssetsWorker]
const order = [...workers.keys()].slice(1).concat(0)
for (const i of order) {
  const { name } = workers[i]!
  console.log(`deploying ${name}`)
  const { status } = spawnSync(
    join(root, 'node_modules/.bin/wrangler'),
    ['deploy', '-c', configs[i]!, ...argumentsFor(name)],
    { cwd: root, stdio: 'inherit' },
  )
  if (status !== 0) process.exit(status ?? 1)
}

/** The arguments given, with an `--outdir` made one per worker: the bundles all have one name. */
function argumentsFor(worker: string): string[] {
  const args = process.argv.slice(2)
  return args.map((arg, i) => (args[i - 1] === '--outdir' ? join(arg, worker) : arg))
}
