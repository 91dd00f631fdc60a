import { createTransport } from 'nodemailer'
import type { MailTransport } from './mail-transport.ts'

/**
 * nodemailer's pooled SMTP transport as a `MailTransport`: one connection kept open for the messages
 * of a pass, with time limits short enough that a server that does not answer fails the attempt rather
 * than holding the mailer. Only for runtimes with Node's sockets (see `openSmtpTransport`).
 */
export function smtpTransport(url: string): MailTransport {
  const transporter = createTransport({
    url,
    pool: true,
    maxConnections: 1,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  })
  return {
    async send({ from, to, subject, text }) {
      await transporter.sendMail({ from, to: { name: to.name, address: to.address }, subject, text })
    },
    close: () => transporter.close(),
  }
}
