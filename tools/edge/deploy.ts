import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { edgeWorkers, root, writeWorkerConfigs } from './edge-workers.ts'

// `npm run deploy:edge`: `wrangler deploy` for every worker of the registry, the services first and the
// gateway last (its service bindings name them), each from its config as deployed (see
// writeWorkerConfigs). Arguments go on to every `wrangler deploy` (`npm run deploy:edge -- --dry-run`).
const configs = await writeWorkerConfigs(resolve(root, 'dist/edge/configs'))
const order = [...edgeWorkers.keys()].slice(1).concat(0)
for (const i of order) {
  console.log(`deploying ${edgeWorkers[i]!.name}`)
  const { status } = spawnSync(
    join(root, 'node_modules/.bin/wrangler'),
    ['deploy', '-c', configs[i]!, ...process.argv.slice(2)],
    { cwd: root, stdio: 'inherit' },
  )
  if (status !== 0) process.exit(status ?? 1)
}
