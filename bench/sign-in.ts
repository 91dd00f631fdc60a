/**
 * Where the bench sends requests, and the headers every request carries there: a signed-in user's
 * `Authorization`, or none for what anyone may call (the hello-world baselines, `/health`). A `Server`
 * is a target without headers.
 */
export interface Target {
  url: string
  headers?: Record<string, string>
}

/**
 * The demo mechanic every host seeds outside production while `STAFF_ACCOUNTS` is unset: registering
 * customers and vehicles and planning jobs is a mechanic's work, and reading the workshop's reference
 * data any staff's.
 */
export const MECHANIC = { email: 'mechanic@pitstop.local', password: 'pitstop' }
/** The demo manager: the parts catalogue and its stock are the manager's. */
export const MANAGER = { email: 'manager@pitstop.local', password: 'pitstop' }

/**
 * Signs in at `url` as a client does (`POST /api/auth/login`), as the demo mechanic unless `account`
 * says otherwise, once the server answers: the target whose
 * requests carry the session's `Authorization: Bearer` token (a staff session lasts a working day, longer
 * than any run). `send` is `fetch`, or a host's own fetch for services built in this process.
 *
 * @example
 * const host = await signIn(server.url)
 * await load(host, 50, 10, registrations('load'))
 */
export async function signIn(
  url: string,
  send: (request: Request) => Response | Promise<Response> = fetch,
  account = MECHANIC,
): Promise<Target> {
  const response = await send(
    new Request(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(account),
    }),
  )
  if (response.status !== 200)
    throw new Error(
      `cannot sign in as ${account.email} (the demo accounts are seeded only with STAFF_ACCOUNTS unset ` +
        `and NODE_ENV not production): ${response.status} ${await response.text()}`,
    )
  const { token } = (await response.json()) as { token: string }
  return { url, headers: { authorization: `Bearer ${token}` } }
}
