import * as v from 'valibot'
import { CustomerLinkDays, DecimalInteger, Positive, PublicUrl } from '../../shared/environment.ts'
import { DEFAULT_ITERATIONS, MAX_ITERATIONS } from './passwords.ts'
import { StaffAccounts } from './staff-accounts.ts'

/** How signing in works, from the environment. */
export const AuthSettings = v.object({
  /**
   * `role:email:password,...` (roles mechanic, support, manager). Unset or empty: nobody, except the
   * demo accounts outside production.
   */
  STAFF_ACCOUNTS: v.optional(StaffAccounts, ''),
  /** How long a member of staff stays signed in: a working day. */
  STAFF_SESSION_HOURS: v.optional(
    v.pipe(
      Positive,
      v.maxValue(9_600, 'must be at most 9600 (400 days, the longest a browser keeps a cookie)'),
    ),
    '10',
  ),
  /** How long a customer's personal link opens their data. */
  CUSTOMER_LINK_DAYS: CustomerLinkDays,
  /**
   * PBKDF2 iterations for new hashes; hashes made with fewer are re-hashed at the next sign-in. At most
   * 100,000 (Cloudflare Workers' limit); lower only to make tests fast.
   */
  PASSWORD_ITERATIONS: v.optional(
    v.pipe(
      DecimalInteger,
      v.minValue(1_000, 'must be at least 1000'),
      v.maxValue(
        MAX_ITERATIONS,
        `must be at most ${MAX_ITERATIONS}: Cloudflare Workers refuse PBKDF2 with more iterations`,
      ),
    ),
    String(DEFAULT_ITERATIONS),
  ),
  /** Failed sign-ins to one account within the window after which it is refused (429) until the window frees. */
  LOGIN_MAX_FAILURES: v.optional(Positive, '5'),
  /**
   * Failed sign-ins from one client address within the window, to any accounts, after which it is refused.
   * Higher than the account's: the staff of a garage often share one address.
   */
  LOGIN_MAX_FAILURES_PER_CLIENT: v.optional(Positive, '20'),
  /** How far back failed sign-ins count. */
  LOGIN_FAILURE_WINDOW_MINUTES: v.optional(Positive, '15'),
  /**
   * Where people reach the system (`https://garage.example`): customers' links point there. Unset, a
   * link takes the address the request that made it came to, which its Host header names.
   */
  PUBLIC_URL: PublicUrl,
})
export type AuthSettings = v.InferOutput<typeof AuthSettings>
