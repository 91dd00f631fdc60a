import { pino } from 'pino'
import { createRedisBus } from '../../bus/redis-bus.ts'
import { createLogger } from '../../logger.ts'
import { configOrExit } from '../config.ts'
import { buildService } from '../services.ts'

// `npm run dead-letters -- list` prints, one JSON object per line, the events each consumer group of
// the configured services (SERVICES) gave up on, with the error; `npm run dead-letters -- redrive`
// applies them again once the cause is fixed. Same environment as `npm start`; safe beside a running host.
const usage = 'usage: npm run dead-letters -- list | redrive'
const command = process.argv[2]
if (command !== 'list' && command !== 'redrive') {
  console.error(usage)
  process.exit(2)
}

const config = configOrExit(process.env)
const logger = createLogger(config.logLevel, { tool: 'dead-letters' }, pino.destination(2))
const bus = createRedisBus(config.redisUrl, 'pitstop-dead-letters')
let remaining = 0
try {
  for (const name of config.services) {
    const service = await buildService(name, config, { bus, logger, consumerName: 'dead-letters' })
    for (const consumer of service.consumers) {
      if (command === 'redrive') {
        const applied = await consumer.redrive()
        console.log(JSON.stringify({ service: name, group: consumer.group, redriven: applied }))
      }
      for (const { stream, letter } of await consumer.deadLetters()) {
        remaining++
        const { error, deliveries, entryId, type } = letter.fields
        if (command === 'list')
          console.log(
            JSON.stringify({
              service: name,
              group: consumer.group,
              stream,
              entryId,
              type,
              deliveries,
              error,
            }),
          )
      }
      await consumer.stop()
    }
    service.database.client.close()
  }
} finally {
  await bus.close()
}
if (command === 'redrive' && remaining > 0) console.error(`${remaining} dead letters still fail`)
process.exit(command === 'redrive' && remaining > 0 ? 1 : 0)
