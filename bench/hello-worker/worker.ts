import { Hono } from 'hono'

// Hono's hello world: as a module worker under `wrangler dev` it is the edge figures' baseline, and
// served by @hono/node-server (bench/hello-node.ts) the Node host's.
export default new Hono().get('/', (c) => c.text('Hello Hono!'))
