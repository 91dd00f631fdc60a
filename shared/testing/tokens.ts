import { RevocationList, revokedSessionsKey } from '../auth/revocations.ts'
import { createTokens, type TokenKeys, type Tokens } from '../auth/tokens.ts'
import { createRedisBus } from '../bus/redis-bus.ts'
import { systemClock, type Clock } from '../clock.ts'
import { createLogger } from '../logger.ts'
import { TEST_REDIS_URL, uniquePrefix } from './redis.ts'

export const TEST_SECRET = 'a test secret of at least thirty-two characters'

/**
 * Tokens as a host makes them, for tests of apps built by hand: signed with `TEST_SECRET` (or `keys`),
 * revoked through a list in the test Redis under `prefix` (its connection opens at the first check).
 *
 * @example
 * const app = createApp({ ...deps, tokens: testTokens() }, { 'GET /things': ['anyone'] })
 */
export function testTokens({
  keys = { current: TEST_SECRET },
  clock = systemClock,
  prefix = uniquePrefix('tokens'),
  refreshMs,
}: { keys?: TokenKeys; clock?: Clock; prefix?: string; refreshMs?: number } = {}): Tokens & {
  close(): Promise<void>
} {
  const bus = createRedisBus(TEST_REDIS_URL, 'test-tokens', { lazy: true })
  const logger = createLogger('silent')
  const revocations = new RevocationList({ bus, key: revokedSessionsKey(prefix), clock, logger, refreshMs })
  return { ...createTokens({ keys, clock, revocations }), close: () => bus.close() }
}
