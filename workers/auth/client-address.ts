import type { Context } from 'hono'
import { getRuntimeKey } from 'hono/adapter'

/** What `@hono/node-server` hands an app as its bindings: the connection the request came on. */
type NodeBindings = { incoming?: { socket?: { remoteAddress?: string } } }

/**
 * The address a request came from, as far as the host can vouch for it, for throttling failed sign-ins
 * per client. Never `X-Forwarded-For`, whose entries the client writes itself.
 * - Node and Deno (`@hono/node-server`): the connection's peer, which the gateway hands on with the
 *   request (what `getConnInfo` from `@hono/node-server/conninfo` reads). Behind a reverse proxy that is
 *   the proxy's address, shared by everyone.
 * - workerd: `CF-Connecting-IP`, which Cloudflare's edge sets on every request it lets in.
 * - Anything else: `unknown`, one address for all.
 */
export function clientAddress(c: Context): string {
  const socket = (c.env as NodeBindings | undefined)?.incoming?.socket
  if (socket) return socket.remoteAddress ?? 'unknown'
  if (getRuntimeKey() === 'workerd') return c.req.header('cf-connecting-ip') ?? 'unknown'
  return 'unknown'
}

/**
 * The part of an address that names one client: an IPv4 address (also written as IPv6, `::ffff:1.2.3.4`),
 * or the /64 network of an IPv6 address, since one subscriber is given a whole /64 to pick from.
 *
 * @example
 * clientKey('2001:db8:1:2:3:4:5:6') // '2001:db8:1:2::/64'
 */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return mapped[1]!
  if (!address.includes(':')) return address
  const [head = '', tail] = address.toLowerCase().split('%')[0]!.split('::') as [string, string?]
  const front = head === '' ? [] : head.split(':')
  const back = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups =
    tail === undefined
      ? front
      : [...front, ...Array(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back]
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return address
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`
}
