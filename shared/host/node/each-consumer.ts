import { pino } from 'pino'
import { createRedisBus } from '../../bus/redis-bus.ts'
import type { ConsumerGroup } from '../../consumer/consumer-group.ts'
import { createLogger } from '../../logger.ts'
import { configOrExit } from '../config.ts'
import { buildService, DatabaseUnavailable, ProducerDatabases, type RunningService } from './services.ts'

/**
 * For operator commands: builds every configured service (SERVICES) the way `npm start` does, from the
 * same environment, and hands each of its consumer groups to `visit`, without starting them. Logs go to
 * stderr, so stdout stays for the command's own output. Safe beside a running host. A database it cannot
 * open ends the command with one line naming its variable and service, and exit code 1.
 */
export async function forEachConsumer(
  tool: string,
  visit: (service: string, consumer: ConsumerGroup) => Promise<void>,
): Promise<void> {
  const config = configOrExit(process.env)
  const logger = createLogger(config.logLevel, { tool }, pino.destination(2))
  const bus = createRedisBus(config.redisUrl, `pitstop-${tool}`, { commandTimeoutMs: 2_000 })
  const producers = new ProducerDatabases(config)
  const services: RunningService[] = []
  let unavailable = false
  try {
    // All built first: a consumer catching up reads the other services' outboxes.
    for (const name of config.services)
      services.push(await buildService(name, config, { bus, logger, consumerName: tool, producers }))
    for (const service of services)
      for (const consumer of service.consumers) await visit(service.name, consumer)
  } catch (error) {
    // A database it cannot open is one line naming the variable and the service, not a stack.
    if (!(error instanceof DatabaseUnavailable)) throw error
    console.error(error.message)
    unavailable = true
  } finally {
    producers.close()
    for (const service of services) service.database.client.close()
    await bus.close()
  }
  if (unavailable) process.exit(1)
}
