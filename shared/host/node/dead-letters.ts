import { forEachConsumer } from './each-consumer.ts'

// `npm run dead-letters -- list` prints, one JSON object per line, the events each consumer group of
// the configured services (SERVICES) gave up on, with the error, or says on stderr that there are none;
// `npm run dead-letters -- redrive` applies them again once the cause is fixed. Same environment as
// `npm start`; safe beside a running host.
const usage = 'usage: npm run dead-letters -- list | redrive'
const command = process.argv[2]
if (command !== 'list' && command !== 'redrive') {
  console.error(usage)
  process.exit(2)
}

let remaining = 0
const groups: string[] = []
await forEachConsumer('dead-letters', async (service, consumer) => {
  groups.push(consumer.group)
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
// Said on stderr: stdout stays one JSON object per dead letter, so an empty list is still empty there.
if (command === 'list' && remaining === 0)
  console.error(
    groups.length === 0
      ? 'No dead letters: no service in SERVICES has a consumer group'
      : `No dead letters in consumer group${groups.length > 1 ? 's' : ''} ${groups.join(', ')}`,
  )
if (command === 'redrive' && remaining > 0) console.error(`${remaining} dead letters still fail`)
process.exit(command === 'redrive' && remaining > 0 ? 1 : 0)
