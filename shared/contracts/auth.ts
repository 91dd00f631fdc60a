import * as v from 'valibot'
import { CustomerId } from './customers.ts'
import { eventContract, type DomainEvent } from './envelope.ts'
import { Timestamp } from './timestamp.ts'

/** A member of staff's e-mail address, compared in lower case. */
export const StaffEmail = v.pipe(
  v.string(),
  v.trim(),
  v.nonEmpty('must not be empty'),
  v.maxLength(254, 'must be at most 254 characters'),
  v.email('must be an email address'),
  v.toLowerCase(),
)

/** Body of `POST /api/auth/login`. The password is bounded only so that a huge one costs nothing. */
export const LoginBody = v.object({
  email: StaffEmail,
  password: v.pipe(
    v.string(),
    v.nonEmpty('must not be empty'),
    v.maxLength(1024, 'must be at most 1024 characters'),
  ),
})
export type LoginBody = v.InferOutput<typeof LoginBody>

/** Body of `POST /api/auth/customer-link`: whose personal link to make. */
export const CustomerLinkBody = v.object({ customerId: CustomerId })

/** A session's id: the token's `jti`, what logging out revokes. */
export const SessionId = v.pipe(v.string(), v.nonEmpty())
/** Who a session is: `staff:<email>` or `customer:<id>`, as the envelope's `actor` names them. */
export const Actor = v.pipe(v.string(), v.regex(/^(staff|customer):.+$/, 'must be staff:… or customer:…'))

/**
 * Someone signed in, or was given a customer's link: from now until `expiresAt` their token opens what
 * `role` may see. No token or password is ever in an event.
 */
export const SessionStarted = eventContract(
  'SessionStarted',
  1,
  v.object({
    session: SessionId,
    actor: Actor,
    role: v.picklist(['mechanic', 'support', 'manager', 'customer']),
    expiresAt: Timestamp,
  }),
)
export type SessionStarted = DomainEvent<typeof SessionStarted>

/**
 * A session ended before it expired: its owner signed out, or their account was removed or changed
 * (role or password) in `STAFF_ACCOUNTS`.
 */
export const SessionEnded = eventContract(
  'SessionEnded',
  1,
  v.object({
    session: SessionId,
    actor: Actor,
    reason: v.picklist(['signed-out', 'account-removed', 'account-changed', 'ended-by-staff']),
  }),
)
export type SessionEnded = DomainEvent<typeof SessionEnded>
