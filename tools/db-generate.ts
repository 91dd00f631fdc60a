import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { serviceNames } from '../workers/registry.ts'

// `npm run db:generate`: drizzle-kit SQL migrations for every service of the registry, from its drizzle
// schema (`workers/<service>/schema.ts`, which re-exports the kernel's tables) into `migrations/<service>/`.
// Arguments go on to drizzle-kit (`npm run db:generate -- --name add_lots`).
const root = new URL('../', import.meta.url).pathname
for (const name of serviceNames) {
  const { status } = spawnSync(
    join(root, 'node_modules/.bin/drizzle-kit'),
    [
      'generate',
      ...['--dialect', 'sqlite'],
      ...['--schema', `workers/${name}/schema.ts`],
      ...['--out', `migrations/${name}`],
      ...process.argv.slice(2),
    ],
    { cwd: root, stdio: 'inherit' },
  )
  if (status !== 0) process.exit(status ?? 1)
}
