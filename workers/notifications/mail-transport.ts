/** One e-mail as the mailer hands it to a transport: plain text, to one person. */
export interface OutgoingMail {
  /** `Name <address>`, as MAIL_FROM gives it. */
  from: string
  to: { name: string; address: string }
  subject: string
  text: string
}

/**
 * Where e-mails go out: an SMTP server on Node and Deno. `send` resolves once the server took the
 * message and rejects with its error otherwise; `close` ends the connections it holds.
 */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>
  close(): void
}

/**
 * Why this runtime cannot send e-mail, or undefined when it can: workerd opens no SMTP connections
 * (nodemailer needs Node's `net` and `tls` sockets).
 */
export function smtpUnavailable(): string | undefined {
  const agent = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent
  if (agent === 'Cloudflare-Workers') return 'this runtime cannot open SMTP connections'
  const versions = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions
  if (!versions?.node) return 'this runtime cannot open SMTP connections'
  return undefined
}

/**
 * A pooled SMTP transport to `url` (`smtp://` or `smtps://`, with `user:password@` if the server wants
 * them). nodemailer is imported only here, when asked.
 *
 * @example
 * const transport = await openSmtpTransport('smtp://127.0.0.1:2525')
 * await transport.send({ from, to: { name: 'Ann', address: 'ann@example.com' }, subject, text })
 */
export async function openSmtpTransport(url: string): Promise<MailTransport> {
  // Imported when first asked for, so nodemailer is never loaded where e-mail is skipped (workerd).
  const { smtpTransport } = await import('./smtp-transport.ts')
  return smtpTransport(url)
}
