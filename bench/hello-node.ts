import { serve } from '@hono/node-server'
import hello from './hello-worker/worker.ts'

// The baseline of the Node host's HTTP figures: Hono's hello world on @hono/node-server, in a process
// of its own as the host is. `node --import tsx bench/hello-node.ts` with PORT.
serve({ fetch: hello.fetch, port: Number(process.env.PORT ?? 8080), hostname: '127.0.0.1' })
