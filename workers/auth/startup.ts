import { getRuntimeKey } from 'hono/adapter'
import type { ServiceDeps } from '../../shared/service.ts'
import { syncStaffAccounts } from './accounts.ts'
import { DEFAULT_ITERATIONS } from './passwords.ts'
import type { SessionBook } from './sessions.ts'
import type { AuthSettings } from './settings.ts'
import { demoAccounts, demoAccountsNotice, parseStaffAccounts, type StaffAccount } from './staff-accounts.ts'

type Deps = ServiceDeps<AuthSettings>

/**
 * Who may sign in: `STAFF_ACCOUNTS`; when it is unset, the demo accounts outside production and nobody
 * in production. Says which in the log.
 */
function staffAccountsWanted({ settings, production, logger }: Deps): StaffAccount[] {
  // Checked by the settings schema already, so there are no problems here.
  const { accounts } = parseStaffAccounts(settings.STAFF_ACCOUNTS)
  if (production && settings.PASSWORD_ITERATIONS < DEFAULT_ITERATIONS)
    logger.warn(
      { iterations: settings.PASSWORD_ITERATIONS },
      `PASSWORD_ITERATIONS is below ${DEFAULT_ITERATIONS} in production: password hashes are weaker than they should be`,
    )
  if (accounts.length > 0) return accounts
  if (production) {
    logger.error(
      'STAFF_ACCOUNTS is not set and NODE_ENV=production: nobody can sign in (customer links still work); ' +
        'set STAFF_ACCOUNTS=role:email:password,... and restart',
    )
    return []
  }
  logger.warn({ accounts: demoAccounts.map(({ email, role }) => ({ email, role })) }, demoAccountsNotice)
  return demoAccounts
}

/**
 * What the service does before its first sign-in: the stored accounts brought in step with who may sign
 * in, and the ended sessions Redis has lost written back.
 *
 * On Node and Deno a service is created once, at the host's start, so both start then and the log says
 * at start who may sign in. workerd creates the service again for every `/health` and cron pass, and
 * lets it reach Redis only inside a request, so there they wait for the first sign-in (or sign-out).
 * A failed attempt is logged, and the next sign-in tries again.
 */
export function startup(deps: Deps, sessions: SessionBook) {
  const { logger, settings } = deps
  const sync = async () => {
    const wanted = staffAccountsWanted(deps)
    const { added, changed, removed } = await syncStaffAccounts(deps, {
      wanted,
      iterations: settings.PASSWORD_ITERATIONS,
      sessions,
    })
    logger.info({ accounts: wanted.length, added, changed, removed }, 'staff accounts in step')
    inStep = true
  }
  let inStep = false
  let syncing: Promise<void> | undefined
  const accountsReady = (): Promise<void> => {
    if (inStep) return Promise.resolve()
    // On workerd one request may not wait on I/O another started (one cancelled would leave the others
    // waiting for good), so there each sign-in before the first that succeeds brings them in step itself.
    if (getRuntimeKey() === 'workerd') return sync()
    return (syncing ??= sync().catch((error: unknown) => {
      syncing = undefined
      throw error
    }))
  }
  const restoreRevocations = () =>
    sessions
      .restoreRevocations()
      .then(() => undefined)
      .catch((error: unknown) => logger.error({ err: error }, 'cannot check the ended sessions in Redis'))

  if (getRuntimeKey() !== 'workerd') {
    accountsReady().catch((error: unknown) =>
      logger.error({ err: error }, 'cannot store the staff accounts; signing in tries again'),
    )
    void restoreRevocations()
  }
  return {
    /** Resolves once the accounts are in step; every sign-in waits for it. */
    accountsReady,
    /** Checks Redis's list of ended sessions against the database's, writing back what it lost; never throws. */
    restoreRevocations,
  }
}
