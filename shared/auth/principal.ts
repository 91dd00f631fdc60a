/** The garage's staff roles; a customer acts through a personal link, with the role `customer`. */
export const staffRoles = ['mechanic', 'support', 'manager'] as const
export type StaffRole = (typeof staffRoles)[number]
export type Role = StaffRole | 'customer'

/** Who someone is: a member of staff by e-mail address, or a customer by id. */
export type Identity = { role: StaffRole; email: string } | { role: 'customer'; customerId: string }

/** Who sent a request, as its verified token says; `session` is what logging out revokes. */
export type Principal = Identity & { session: string; expiresAt: Date }

/** A principal as the event envelope's `actor`: `staff:<email>` or `customer:<id>`. */
export const actorOf = (principal: Principal | undefined): string =>
  principal === undefined
    ? 'anonymous'
    : principal.role === 'customer'
      ? `customer:${principal.customerId}`
      : `staff:${principal.email}`

/** The token's subject is the actor itself, so a log line and an event say who alike. */
export function identityOf(subject: string, role: string): Identity | undefined {
  if (role === 'customer' && subject.startsWith('customer:'))
    return { role, customerId: subject.slice('customer:'.length) }
  if ((staffRoles as readonly string[]).includes(role) && subject.startsWith('staff:'))
    return { role: role as StaffRole, email: subject.slice('staff:'.length) }
  return undefined
}
