import { Redis as UpstashRedis } from '@upstash/redis/cloudflare'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../../shared/testing/redis.ts'
import { createUpstashBridge, startUpstashBridge } from './server.ts'

const TOKEN = 'bridge-test-token'
const auth = { Authorization: `Bearer ${TOKEN}` }
const base64 = (text: string) => Buffer.from(text).toString('base64')

const redis = new Redis(TEST_REDIS_URL, { protocol: 2 })
const observer = new Redis(TEST_REDIS_URL)
const app = createUpstashBridge({ redis, token: TOKEN })
afterAll(() => {
  redis.disconnect()
  observer.disconnect()
})

const post = async (path: string, body: unknown, headers: Record<string, string> = auth) =>
  app.request(path, { method: 'POST', headers, body: JSON.stringify(body) })
const answer = async (response: Response) => ({ status: response.status, body: await response.json() })

let prefix = ''
const key = (name: string) => `${prefix}.${name}`
beforeEach(() => {
  prefix = uniquePrefix('bridge')
})
afterEach(() => deleteKeys(prefix))

describe('authentication', () => {
  it('answers 401 with a JSON error without a token, with a wrong one, or with another scheme', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer wrong' },
      { Authorization: `Basic ${TOKEN}` },
    ]
    for (const headers of attempts)
      expect(await answer(await post('/', ['PING'], headers))).toEqual({
        status: 401,
        body: { error: expect.stringMatching(/^WRONGPASS/) },
      })
  })

  it('accepts the token as a _token query parameter too', async () => {
    expect(await answer(await post(`/?_token=${TOKEN}`, ['PING'], {}))).toEqual({
      status: 200,
      body: { result: 'PONG' },
    })
  })
})

describe('single commands', () => {
  it('runs one command sent as a JSON array, numbers included', async () => {
    await post('/', ['SET', key('a'), 'héllo', 'EX', 100])
    expect(await answer(await post('/', ['GET', key('a')]))).toEqual({
      status: 200,
      body: { result: 'héllo' },
    })
    expect(await answer(await post('/', ['GET', key('missing')]))).toEqual({
      status: 200,
      body: { result: null },
    })
  })

  it("answers a command Redis refuses with 400 and Redis's ERR message", async () => {
    await post('/', ['SET', key('a'), 'text'])
    expect(await answer(await post('/', ['INCR', key('a')]))).toEqual({
      status: 400,
      body: { error: 'ERR value is not an integer or out of range' },
    })
    expect(await answer(await post('/', ['NOSUCHCOMMAND']))).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/^ERR unknown command/) },
    })
  })

  it('answers 400 when the body is not a command', async () => {
    for (const body of ['not json', '[]', '{"command":"PING"}', '[["PING"]]'])
      expect(await answer(await app.request('/', { method: 'POST', headers: auth, body }))).toMatchObject({
        status: 400,
        body: { error: expect.stringMatching(/^ERR /) },
      })
  })

  it('runs path-style commands: GET with arguments in the path, POST with the value as body', async () => {
    await app.request(`/set/${encodeURIComponent(key('a b'))}?EX=100`, {
      method: 'POST',
      headers: auth,
      body: '{"x":1}',
    })
    const get = await app.request(`/get/${encodeURIComponent(key('a b'))}`, { headers: auth })
    expect(await answer(get)).toEqual({ status: 200, body: { result: '{"x":1}' } })
    expect(await observer.ttl(key('a b'))).toBeGreaterThan(0)
  })
})

describe('pipeline', () => {
  it("runs the commands in order and answers each one's result or error", async () => {
    const response = await post('/pipeline', [
      ['SET', key('a'), 'x'],
      ['INCR', key('a')],
      ['RPUSH', key('list'), 'one', 'two'],
      ['BLPOP', key('list'), 0],
      ['LRANGE', key('list'), 0, -1],
    ])
    expect(await answer(response)).toEqual({
      status: 200,
      body: [
        { result: 'OK' },
        { error: 'ERR value is not an integer or out of range' },
        { result: 2 },
        { error: expect.stringMatching(/^ERR BLPOP/) },
        { result: ['one', 'two'] },
      ],
    })
  })
})

describe('multi-exec', () => {
  it('answers each result in order; a command failing at run time does not stop the others, as in Redis', async () => {
    const response = await post('/multi-exec', [
      ['SET', key('a'), 'x'],
      ['INCR', key('a')],
      ['GET', key('a')],
    ])
    expect(await answer(response)).toEqual({
      status: 200,
      body: [{ result: 'OK' }, { error: 'ERR value is not an integer or out of range' }, { result: 'x' }],
    })
  })

  it('discards the whole transaction when one command is invalid', async () => {
    const response = await post('/multi-exec', [
      ['SET', key('a'), 'x'],
      ['NOSUCHCOMMAND', key('a')],
    ])
    expect(await answer(response)).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/^EXECABORT .*ERR unknown command/) },
    })
    expect(await observer.exists(key('a'))).toBe(0)
  })

  it('is atomic: a client blocked on the list is served only once the whole transaction ran', async () => {
    const blocked = new Redis(TEST_REDIS_URL)
    try {
      const id = await blocked.client('ID')
      const popped = blocked.blpop(key('list'), 5)
      await vi.waitFor(async () => expect(await observer.client('LIST', 'ID', id)).toMatch(/cmd=blpop/))
      // Outside a transaction Redis would hand the pushed element to the blocked client before LLEN.
      const response = await post('/multi-exec', [
        ['RPUSH', key('list'), 'a'],
        ['LLEN', key('list')],
      ])
      expect((await answer(response)).body).toEqual([{ result: 1 }, { result: 1 }])
      expect(await popped).toEqual([key('list'), 'a'])
    } finally {
      blocked.disconnect()
    }
  })
})

describe('encoding', () => {
  it('base64-encodes every string but OK when Upstash-Encoding is base64; numbers and nulls stay', async () => {
    const headers = { ...auth, 'Upstash-Encoding': 'base64' }
    expect(await answer(await post('/', ['SET', key('a'), 'Zoë 🏎️'], headers))).toEqual({
      status: 200,
      body: { result: 'OK' },
    })
    expect((await answer(await post('/', ['GET', key('a')], headers))).body).toEqual({
      result: base64('Zoë 🏎️'),
    })
    await post('/', ['XADD', key('s'), '1-0', 'event', '{"a":"ü"}'])
    const pipeline = await post(
      '/pipeline',
      [
        ['XRANGE', key('s'), '-', '+'],
        ['XLEN', key('s')],
        ['GET', key('b')],
      ],
      headers,
    )
    expect((await answer(pipeline)).body).toEqual([
      { result: [[base64('1-0'), [base64('event'), base64('{"a":"ü"}')]]] },
      { result: 1 },
      { result: null },
    ])
  })
})

describe('blocking commands', () => {
  it('drops BLOCK from XREADGROUP, so even BLOCK 0 answers at once', async () => {
    await post('/', ['XGROUP', 'CREATE', key('s'), 'g', '0', 'MKSTREAM'])
    const response = await post('/', ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', key('s'), '>'])
    expect(await answer(response)).toEqual({ status: 200, body: { result: null } })
  })

  it('refuses commands that would block or take over the shared connection', async () => {
    for (const command of [['BLPOP', key('list'), 0], ['MULTI'], ['SUBSCRIBE', key('channel')]])
      expect(await answer(await post('/', command))).toEqual({
        status: 400,
        body: { error: expect.stringMatching(/would block or change the bridge's shared connection/) },
      })
  })
})

describe('startUpstashBridge', () => {
  it('serves the @upstash/redis client over HTTP until closed', async () => {
    const bridge = await startUpstashBridge({ redisUrl: TEST_REDIS_URL, port: 0, token: TOKEN })
    const client = (token: string) =>
      new UpstashRedis({ url: bridge.url, token, automaticDeserialization: false, retry: false })
    await client(TOKEN).set(key('a'), '{"a":"ü"}')
    expect(await client(TOKEN).get(key('a'))).toBe('{"a":"ü"}')
    await expect(client('wrong').get(key('a'))).rejects.toThrow(/WRONGPASS/)
    await bridge.close()
    await expect(fetch(bridge.url, { method: 'POST', body: '["PING"]' })).rejects.toThrow()
  })
})
