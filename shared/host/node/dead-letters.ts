import { forEachConsumer } from './each-consumer.ts'

// `npm run dead-letters -- list` prints, one JSON object per line, the events each consumer group of
// the configured services (SERVICES) gave up on, with the error; `npm run dead-letters -- redrive`
// applies them again once the cause is fixed. Same environment as `npm start`; safe beside a running host.
const usage = 'usage: npm run dead-letters -- list | redrive'
const command = process.argv[2]
if (command !== 'list' && command !== 'redrive') {
  console.error(usage)
  process.exit(2)
}

let remaining = 0
await forEachConsumer('dead-letters', async (service, consumer) => {
  if (command === 'redrive') {
    const applied = await consumer.redrive()
    console.log(JSON.stringify({ service, group: consumer.group, redriven: applied }))
  }
  for (const { stream, letter } of await consumer.deadLetters()) {
    remaining++
    const { error, deliveries, entryId, type, trimmed } = letter.fields
    if (command === 'list')
      console.log(
        JSON.stringify({ service, group: consumer.group, stream, entryId, type, deliveries, error, trimmed }),
      )
  }
})
if (command === 'redrive' && remaining > 0) console.error(`${remaining} dead letters still fail`)
process.exit(command === 'redrive' && remaining > 0 ? 1 : 0)
