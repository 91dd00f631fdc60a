/** The garage's staff roles; a customer acts through a personal link, with the role `customer`. */
export const staffRoles = ['mechanic', 'support', 'manager'] as const
export type StaffRole = (typeof staffRoles)[number]
export type Role = StaffRole | 'customer'

/** Who someone is: a member of staff by e-mail address, or a customer by id. */
export type Identity = { role: StaffRole; email: string } | { role: 'customer'; customerId: string }

/** Who sent a request, as its verified token says; `session` is what logging out revokes. */
export type Principal = Identity & { session: string; expiresAt: Date }

/** Someone as the event envelope's `actor`: `staff:<email>` or `customer:<id>`. */
export const actorOf = (who: Identity | undefined): string =>
  who === undefined
    ? 'anonymous'
    : who.role === 'customer'
      ? `customer:${who.customerId}`
      : `staff:${who.email}`

/** What follows `prefix` in `subject`, when it starts with it and names somebody (is not empty). */
const after = (prefix: string, subject: string) =>
  subject.startsWith(prefix) && subject.length > prefix.length ? subject.slice(prefix.length) : undefined

/** The token's subject is the actor itself, so a log line and an event say who alike. */
export function identityOf(subject: string, role: string): Identity | undefined {
  const customerId = after('customer:', subject)
  if (role === 'customer' && customerId) return { role, customerId }
  const email = after('staff:', subject)
  if ((staffRoles as readonly string[]).includes(role) && email) return { role: role as StaffRole, email }
  return undefined
}
