import * as v from 'valibot'
import { CustomerLinkDays, Positive, PublicUrl, WorkshopTimeZone } from '../../shared/environment.ts'

/** An SMTP server's URL: `smtp://host:port`, or `smtps://` for TLS from the start, with `user:password@` if it wants them. */
const SmtpUrl = v.pipe(
  v.string(),
  v.check(
    (text) => URL.canParse(text) && /^smtps?:$/.test(new URL(text).protocol) && new URL(text).hostname !== '',
    'must be an smtp:// or smtps:// URL such as smtp://mail.garage.example:587',
  ),
)

/** How notifications reach people, from the environment. */
export const NotificationsSettings = v.object({
  /** Where customers' e-mails are sent through; unset, notifications are only in the app. */
  SMTP_URL: v.optional(SmtpUrl),
  /** Who the e-mails are from. */
  MAIL_FROM: v.optional(
    v.pipe(v.string(), v.trim(), v.nonEmpty('must not be empty'), v.maxLength(200)),
    'Pitstop garage <garage@pitstop.local>',
  ),
  /** Where people reach the system: the links in e-mails point there (unset: `http://localhost:8080`). */
  PUBLIC_URL: PublicUrl,
  /** How long the personal link an e-mail carries opens the customer's data (as the auth service's links). */
  CUSTOMER_LINK_DAYS: CustomerLinkDays,
  /** How long a live stream may stay silent before it sends a comment, so that proxies keep it open. */
  SSE_HEARTBEAT_SECONDS: v.optional(v.pipe(Positive, v.maxValue(300, 'must be at most 300')), '15'),
  /** The time zone times are shown in, as the workshop plans. */
  WORKSHOP_TZ: WorkshopTimeZone,
})
export type NotificationsSettings = v.InferOutput<typeof NotificationsSettings>
