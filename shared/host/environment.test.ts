import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { Positive } from '../environment.ts'
import type { ServiceDefinition } from '../service.ts'
import { parseWithServiceSettings } from './environment.ts'

const host = v.object({ PORT: v.optional(Positive, '8080') })
const service = (name: string, settings: ServiceDefinition['settings']): ServiceDefinition => ({
  name,
  access: {},
  settings,
  create: () => {
    throw new Error('not built here')
  },
})
const parts = service('parts', v.object({ PARTS_LIMIT: v.optional(Positive, '10') }))
const repairs = service('repairs', v.object({ HOURLY_RATE: v.optional(Positive, '1850') }))

describe('the host environment with the services’ settings', () => {
  it('gives each service its own settings, with their defaults, beside the host’s variables', () => {
    expect(parseWithServiceSettings(host, [parts, repairs], { PARTS_LIMIT: '3' })).toEqual({
      host: { PORT: 8080, PARTS_LIMIT: 3, HOURLY_RATE: 1850 },
      settings: { parts: { PARTS_LIMIT: 3 }, repairs: { HOURLY_RATE: 1850 } },
    })
  })

  it('names every bad variable, the host’s and the services’, in one message', () => {
    expect(() => parseWithServiceSettings(host, [parts, repairs], { PORT: 'x', HOURLY_RATE: '0' })).toThrow(
      /PORT: .*\n\s+HOURLY_RATE: /,
    )
  })

  it('takes a setting several services declare with one shared schema, and gives it to each', () => {
    const limit = v.optional(Positive, '10')
    const stock = service('stock', v.object({ PARTS_LIMIT: limit }))
    const shop = service('shop', v.object({ PARTS_LIMIT: limit }))
    expect(parseWithServiceSettings(host, [stock, shop], { PARTS_LIMIT: '4' }).settings).toEqual({
      stock: { PARTS_LIMIT: 4 },
      shop: { PARTS_LIMIT: 4 },
    })
  })

  it('refuses a setting a second service declares again, or one the host declares', () => {
    const again = service('stock', v.object({ PARTS_LIMIT: v.optional(Positive, '99') }))
    expect(() => parseWithServiceSettings(host, [parts, again], {})).toThrow(
      'Service stock declares the setting PARTS_LIMIT, which service parts declares already',
    )
    const port = service('web', v.object({ PORT: v.optional(Positive, '3000') }))
    expect(() => parseWithServiceSettings(host, [port], {})).toThrow(
      'Service web declares the setting PORT, which the host declares already',
    )
  })
})
