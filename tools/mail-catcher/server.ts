import { simpleParser, type AddressObject } from 'mailparser'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { SMTPServer, type SMTPServerAddress } from 'smtp-server'

// A real SMTP server that keeps nothing: each message it takes is parsed and written to stdout as one
// JSON line (`{"message": …}`), after a first line saying where it listens (`{"listening": port}`).
// With `--refuse-first n` it answers the first n messages with a temporary failure (451), as a busy
// server would; a line `{"refuse": n}` on stdin refuses the next n too (answered `{"refusing": n}`). For the tests (see mail-catcher.ts) and for trying e-mail locally:
//
//   node --import tsx tools/mail-catcher/server.ts --port 2525
//   SMTP_URL=smtp://127.0.0.1:2525 npm start

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '2525' },
    host: { type: 'string', default: '127.0.0.1' },
    'refuse-first': { type: 'string', default: '0' },
  },
})
let toRefuse = Number(values['refuse-first'])

const print = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`)
const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((group) => group.value)
const envelopeAddress = (address: SMTPServerAddress | false) => (address ? address.address : '')

const server = new SMTPServer({
  authOptional: true,
  // Plain SMTP only: a local catcher has no certificate a client would trust.
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    simpleParser(stream).then(
      (parsed) => {
        if (toRefuse > 0) {
          toRefuse--
          print({ refused: { subject: parsed.subject ?? '' } })
          return callback(Object.assign(new Error('Busy, try again later'), { responseCode: 451 }))
        }
        print({
          message: {
            envelope: {
              from: envelopeAddress(session.envelope.mailFrom),
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            },
            from: addresses(parsed.from),
            to: addresses(parsed.to),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            messageId: parsed.messageId ?? '',
          },
        })
        callback()
      },
      (error: Error) => callback(error),
    )
  },
})

server.on('error', (error) => console.error(`mail catcher: ${error.message}`))
server.listen(Number(values.port), values.host, () => {
  const address = server.server.address()
  print({ listening: typeof address === 'object' && address ? address.port : Number(values.port) })
})
createInterface({ input: process.stdin }).on('line', (line) => {
  const { refuse } = JSON.parse(line) as { refuse?: number }
  if (refuse === undefined) return
  toRefuse += refuse
  print({ refusing: toRefuse })
})
const stop = () => server.close(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
