import { serviceNames } from '../../../workers/registry.ts'
import type { DeadLetterView } from '../../consumer/dead-letters.ts'

// `npm run dead-letters -- list` prints, one JSON object per line, the events each consumer group of the
// running system gave up on, with the error, or says on stderr that there are none; `npm run
// dead-letters -- redrive` applies them again once the cause is fixed (exit 1 while some still fail).
// It asks the system over HTTP, as the manager: PITSTOP_URL (default http://localhost:$PORT, 8080),
// signed in with PITSTOP_EMAIL and PITSTOP_PASSWORD (outside production, the demo manager by default).
const usage = 'usage: npm run dead-letters -- list | redrive'
const command = process.argv[2]
if (command !== 'list' && command !== 'redrive') fail(usage, 2)

const base = (process.env.PITSTOP_URL ?? `http://localhost:${process.env.PORT || 8080}`).replace(/\/$/, '')
const email = process.env.PITSTOP_EMAIL ?? 'manager@pitstop.local'
const password = process.env.PITSTOP_PASSWORD ?? 'pitstop'

function fail(message: string, code = 1): never {
  console.error(message)
  process.exit(code)
}

async function send(method: string, path: string, init: { token?: string; body?: unknown } = {}) {
  try {
    return await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    })
  } catch (error) {
    const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message
    return fail(`Cannot reach Pitstop at ${base} (${reason}): is it running? PITSTOP_URL says where.`)
  }
}

/** The answer's problem title, for a message. */
const titleOf = async (response: Response) =>
  ((await response.json().catch(() => ({}))) as { title?: string }).title ?? response.statusText

const signIn = await send('POST', '/api/auth/login', { body: { email, password } })
if (!signIn.ok)
  fail(`Cannot sign in to ${base} as ${email}: ${await titleOf(signIn)} (PITSTOP_EMAIL, PITSTOP_PASSWORD)`)
const { token } = (await signIn.json()) as { token: string }

let remaining = 0
const groups: string[] = []
for (const service of serviceNames) {
  const path = `/api/${service}/dead-letters`
  const listed = await send('GET', path, { token })
  // A service that runs elsewhere, or has no consumer group.
  if (listed.status === 404) {
    await listed.body?.cancel()
    continue
  }
  if (!listed.ok) fail(`${service}: ${listed.status} ${await titleOf(listed)}`)
  const found = (await listed.json()) as { groups: string[]; letters: DeadLetterView[] }
  groups.push(...found.groups)
  if (command === 'list') {
    for (const letter of found.letters) console.log(JSON.stringify({ service, ...letter }))
    remaining += found.letters.length
    continue
  }
  const redriven = await send('POST', `${path}/redrive`, { token })
  if (redriven.status !== 200 && redriven.status !== 409)
    fail(`${service}: ${redriven.status} ${await titleOf(redriven)}`)
  const result = (await redriven.json()) as {
    redriven: { group: string; applied: number }[]
    remaining: number
  }
  for (const { group, applied } of result.redriven)
    console.log(JSON.stringify({ service, group, redriven: applied }))
  remaining += result.remaining
}
// Said on stderr: stdout stays one JSON object per dead letter, so an empty list is still empty there.
if (command === 'list' && remaining === 0)
  console.error(
    groups.length === 0
      ? `No dead letters: no service at ${base} has a consumer group`
      : `No dead letters in consumer group${groups.length > 1 ? 's' : ''} ${groups.join(', ')}`,
  )
if (command === 'redrive' && remaining > 0) fail(`${remaining} dead letters still fail`)
process.exit(0)
