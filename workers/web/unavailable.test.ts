import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { serviceNames } from '../registry.ts'
import { visitor, type Visitor } from './testing.ts'

let host: TestHost
let manager: Visitor
beforeAll(async () => {
  host = await startTestHost({
    services: serviceNames.filter((name) => name !== 'parts' && name !== 'insights'),
  })
  manager = visitor(host)
  await manager.signIn('manager@pitstop.local')
})
afterAll(() => host.cleanup())

const notice =
  /<p class="notice error" role="alert">(The [a-z ]+) cannot be shown right now: ([^<]+?)\. The rest of the page works/

describe('a host where the parts and insights services do not run', () => {
  it.each([
    ['/parts', 'Parts', 'The catalogue', 'Service parts does not run here'],
    ['/insights', 'Insights', 'The figures', 'Service insights does not run here'],
  ])(
    'shows %s with a notice in place of what is missing, and the rest of the page',
    async (path, title, what, why) => {
      const response = await manager.get(path)
      expect(response.status).toBe(200)
      const html = await response.text()
      expect(html.match(notice)?.slice(1)).toEqual([what, why])
      expect(html).toContain(`<h1>${title}</h1>`)
      expect(html).toContain('<nav aria-label="Main">')
      expect(html).toContain(`<a href="${path}" aria-current="page">${title}</a>`)
      expect(html).toContain('manager@pitstop.local (manager)')
    },
  )

  it('still serves the pages of the services that run', async () => {
    const html = await (await manager.get('/customers')).text()
    expect(html).not.toContain('notice error')
    expect(html).toContain('No customers yet.')
  })

  it('shows the console with the health of the services that run and their consumer groups', async () => {
    const response = await manager.get('/console')
    expect(response.status).toBe(200)
    const html = await response.text()
    expect(html).not.toContain('notice error')
    const groups = html.match(/<table id="groups">.*?<tbody>(.*?)<\/tbody>/s)?.[1] ?? ''
    const readers = [...groups.matchAll(/<tr><td>([a-z]+)<\/td><td>([a-z]+)<\/td>/g)].map((m) => m[1])
    expect(new Set(readers)).toEqual(new Set(['workshop', 'repairs', 'notifications', 'support']))
    expect(html).toContain('<td>customers</td><td><span class="status ok">ok</span></td>')
    expect(html).not.toContain('<td>parts</td>')
  })
})
