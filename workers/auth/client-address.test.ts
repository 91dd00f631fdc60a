import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { clientAddress, clientKey } from './client-address.ts'

describe('clientAddress', () => {
  const app = new Hono().get('/', (c) => c.text(clientAddress(c)))

  it("takes the connection's peer that @hono/node-server hands on, never X-Forwarded-For or CF-Connecting-IP", async () => {
    const bindings = { incoming: { socket: { remoteAddress: '203.0.113.7' } } }
    const headers = { 'x-forwarded-for': '198.51.100.1', 'cf-connecting-ip': '198.51.100.2' }
    const res = await app.request('/', { headers }, bindings)
    expect(await res.text()).toBe('203.0.113.7')
  })

  it('is unknown, one address for all, when the host hands on no connection (outside workerd)', async () => {
    const res = await app.request('/', { headers: { 'cf-connecting-ip': '198.51.100.2' } })
    expect(await res.text()).toBe('unknown')
  })
})

describe('clientKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:0003:0004:0005:0006', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['unknown', 'unknown'],
  ])('keys %s as %s', (address, key) => {
    expect(clientKey(address)).toBe(key)
  })

  it('keys two addresses of one IPv6 /64 alike, and of two /64s apart', () => {
    expect(clientKey('2001:db8:1:2::a')).toBe(clientKey('2001:db8:1:2:ffff::b'))
    expect(clientKey('2001:db8:1:2::a')).not.toBe(clientKey('2001:db8:1:3::a'))
  })
})
