import { createServer } from 'node:http'

// The baseline of the libSQL dev server's CPU per commit: what answering Hrana over HTTP costs on Node
// before any database work. It takes the same pipelines on node:http, parses their JSON and answers each
// request with an empty success, as the dev server's answer is shaped, touching no file. `node --import
// tsx bench/hrana-floor.ts` with PORT.

type Request = { type: string; batch?: { steps: unknown[] } }
const empty = { cols: [], rows: [], affected_row_count: 0, last_insert_rowid: null }

function responseTo(request: Request) {
  if (request.type === 'execute') return { type: 'execute', result: empty }
  if (request.type === 'batch') {
    const steps = request.batch?.steps ?? []
    return {
      type: 'batch',
      result: { step_results: steps.map(() => empty), step_errors: steps.map(() => null) },
    }
  }
  return { type: request.type }
}

createServer(async (request, response) => {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  if (request.method !== 'POST') return response.writeHead(200, { 'content-type': 'text/plain' }).end('v2')
  const { requests } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { requests: Request[] }
  const results = requests.map((r) => ({ type: 'ok', response: responseTo(r) }))
  response
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ baton: null, base_url: null, results }))
}).listen(Number(process.env.PORT ?? 8080), '127.0.0.1')
