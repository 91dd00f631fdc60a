import * as v from 'valibot'
import { staffRoles, type StaffRole } from '../../shared/auth/principal.ts'

/** A member of staff who signs in with a password, as `STAFF_ACCOUNTS` lists them. */
export interface StaffAccount {
  role: StaffRole
  email: string
  password: string
}

/** Who signs in when `STAFF_ACCOUNTS` is unset outside production; the README lists them too. */
export const demoAccounts: StaffAccount[] = staffRoles.map((role) => ({
  role,
  email: `${role}@pitstop.local`,
  password: 'pitstop',
}))

/** What a host says when it lets the demo accounts sign in. */
export const demoAccountsNotice =
  'STAFF_ACCOUNTS is not set: signing in with the demo accounts ' +
  `${demoAccounts.map(({ email, role }) => `${email} (${role})`).join(', ')}, password "pitstop". ` +
  'Set STAFF_ACCOUNTS before anyone else can reach this host'

const Email = v.pipe(v.string(), v.email())

/**
 * Reads `role:email:password,...` (the password is the rest of the entry, so it may hold `:`, but no
 * `,`). Says what is wrong with each bad entry, naming it by its position and e-mail address, never by
 * its password.
 */
export function parseStaffAccounts(text: string): { accounts: StaffAccount[]; problems: string[] } {
  const accounts: StaffAccount[] = []
  const problems: string[] = []
  const entries = text.split(',').map((entry) => entry.trim())
  entries.forEach((entry, index) => {
    if (entry === '') return
    const [role = '', email = '', ...rest] = entry.split(':').map((part, i) => (i < 2 ? part.trim() : part))
    const password = rest.join(':')
    const named = `entry ${index + 1}${v.is(Email, email) ? ` (${email.toLowerCase()})` : ''}`
    if (rest.length === 0) return problems.push(`${named} must be role:email:password`)
    if (!(staffRoles as readonly string[]).includes(role))
      return problems.push(`${named} must start with a role: ${staffRoles.join(', ')}`)
    if (!v.is(Email, email)) return problems.push(`${named} must have an e-mail address as its second part`)
    if (password === '') return problems.push(`${named} has an empty password`)
    if (accounts.some((account) => account.email === email.toLowerCase()))
      return problems.push(`${named} lists an e-mail address a previous entry has`)
    accounts.push({ role: role as StaffRole, email: email.toLowerCase(), password })
  })
  return { accounts, problems }
}

/**
 * `STAFF_ACCOUNTS` as the environment gives it (a text, so hosts pass it on as they read it), checked
 * whole: a bad entry stops the host with the problems, naming the variable and each entry.
 */
export const StaffAccounts = v.pipe(
  v.string(),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return
    const { problems } = parseStaffAccounts(dataset.value)
    // Messages of our own: valibot's would quote the input, passwords and all.
    for (const problem of problems) addIssue({ message: problem })
  }),
)
