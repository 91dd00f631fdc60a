import type { Bus } from '../bus/bus.ts'

/**
 * Claims `group` on every stream for the database `origin`.
 * @returns undefined when this database owns them all, else the problem to report: another deployment
 *   on the same stream prefix owns one.
 */
export async function claimGroup(
  bus: Bus,
  group: string,
  streams: string[],
  origin: string,
): Promise<{ stream: string; owner: string; problem: string } | undefined> {
  for (const stream of streams) {
    const owner = await bus.claim(`${stream}.group.${group}`, origin)
    if (owner !== origin)
      return {
        stream,
        owner,
        problem: `group ${group} on ${stream} belongs to another database (origin ${owner}): two deployments share the stream prefix`,
      }
  }
  return undefined
}

/**
 * Whether the group acknowledged entries in `(position, lastDelivered]` that the database has no
 * record of: lost with it (restored from a backup), to be applied again. Entries still pending are
 * in flight (delivered again or claimed anyway), and entries the relay did not write do not count.
 */
export async function acknowledgedPast(
  bus: Bus,
  stream: string,
  group: string,
  position: number,
  lastDelivered: number,
): Promise<boolean> {
  const count = Math.min(lastDelivered - position, 10_000)
  const entries = await bus.range(stream, position + 1, lastDelivered, count)
  const pending = new Set(await bus.pendingIds(stream, group, position + 1, lastDelivered, count))
  return entries.some((e) => e.fields.origin !== undefined && !pending.has(e.id))
}
