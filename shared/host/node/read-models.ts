import { forEachConsumer } from './each-consumer.ts'

// `npm run catch-up` fetches, for every consumer group of the configured services (SERVICES), the
// ranges of events it never received (reported as gaps by /health) from the producers' outboxes.
// `npm run rebuild` empties each group's read model and applies the producers' whole history again.
// Same environment as `npm start`: the producers' databases are their files under DATA_DIR or their
// LIBSQL_URL_<SERVICE>. Exit 1 while something could not be fetched.
const usage = 'usage: npm run catch-up | npm run rebuild'
const command = process.argv[2]
if (command !== 'catch-up' && command !== 'rebuild') {
  console.error(usage)
  process.exit(2)
}

let incomplete = false
await forEachConsumer(command, async (service, consumer) => {
  if (command === 'catch-up') {
    const { filled, remaining } = await consumer.fillGaps()
    incomplete ||= remaining > 0
    console.log(
      JSON.stringify({ service, group: consumer.group, gapsFilled: filled, gapsRemaining: remaining }),
    )
  } else {
    const unreachable = await consumer.rebuild()
    incomplete ||= unreachable.length > 0
    console.log(JSON.stringify({ service, group: consumer.group, rebuilt: true, unreachable }))
  }
})
process.exit(incomplete ? 1 : 0)
