import type { Browser, Page } from 'playwright-core'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { TEST_REDIS_URL } from '../shared/testing/redis.ts'
import { launchChromium, screenshot, seriousViolations, watchedPage } from './browser.ts'
import { startNodeHost } from './node-host.ts'

let host: Awaited<ReturnType<typeof startNodeHost>>
let browser: Browser
beforeAll(async () => {
  ;[host, browser] = await Promise.all([startNodeHost({ CLOCK: 'manual' }), launchChromium()])
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await host?.cleanup()
})

const live = { timeout: 20_000 }

async function signIn(page: Page, email: string) {
  await page.goto(`${host.url}/`)
  await page.getByLabel('E-mail address', { exact: true }).fill(email)
  await page.getByLabel('Password', { exact: true }).fill('pitstop')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Welcome to Pitstop' }).waitFor()
}

/** The day the system's clock is on, as the planning page opens it. */
const today = async () => ((await (await host.get('/api/clock')).json()) as { now: string }).now.slice(0, 10)

// Every page the scenarios pass through, each audited for accessibility at the end.
const everyPage = [
  'console',
  'conversation',
  'customer',
  'customer-new',
  'customers',
  'home',
  'insights',
  'part',
  'parts',
  'portal',
  'repair',
  'repairs',
  'support',
  'vehicle',
  'vehicle-new',
  'vehicles',
  'workshop',
].sort()

describe('the garage in the browser', () => {
  const visited = new Map<string, string>()
  let customerUrl = ''
  let repairUrl = ''

  it('lets a mechanic register a customer and a vehicle, plan a job (seeing a refusal beside its field) and finish it', async () => {
    const { page, complaints } = await watchedPage(browser)
    await signIn(page, 'mechanic@pitstop.local')
    visited.set('home', page.url())
    await screenshot(page, 'home-mechanic')

    await page.getByRole('link', { name: 'Customers', exact: true }).first().click()
    await page.getByRole('link', { name: 'Register a customer' }).click()
    await page.getByLabel('Name', { exact: true }).fill('   ')
    await page.getByLabel('Address', { exact: true }).fill('Dorpsstraat 1')
    await page.getByLabel('Postal code', { exact: true }).fill('1234 AB')
    await page.getByLabel('City', { exact: true }).fill('Utrecht')
    await page.getByLabel('Telephone number', { exact: true }).fill('+31 30 123 4567')
    await page.getByLabel('E-mail address', { exact: true }).fill('ada@example.com')
    await page.getByRole('button', { name: 'Register customer' }).click()
    // The service's refusal stands beside its field, and what was typed is kept.
    await expect(page.locator('#e-name').textContent()).resolves.toMatch(/empty/i)
    expect(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe('true')
    expect(await page.getByLabel('City', { exact: true }).inputValue()).toBe('Utrecht')
    await page.getByLabel('Name', { exact: true }).fill('Ada Jansen')
    await page.getByRole('button', { name: 'Register customer' }).click()
    await page.getByRole('heading', { name: 'Ada Jansen' }).waitFor()
    customerUrl = page.url()
    visited.set('customer', customerUrl)
    visited.set('customers', `${host.url}/customers`)
    visited.set('customer-new', `${host.url}/customers/new`)

    await page.getByRole('link', { name: 'Register a vehicle' }).click()
    await page.getByLabel('License number', { exact: true }).fill('ab-12-cd')
    await page.getByLabel('Brand', { exact: true }).fill('Volkswagen')
    await page.getByLabel('Type', { exact: true }).fill('Golf')
    // The owner picker comes preset with the customer whose page it was opened from.
    expect(await page.getByLabel('Owner', { exact: true }).locator('option:checked').textContent()).toContain(
      'Ada Jansen',
    )
    await page.getByRole('button', { name: 'Register vehicle' }).click()
    await page.getByRole('heading', { name: 'AB-12-CD' }).waitFor()
    visited.set('vehicle', page.url())
    visited.set('vehicles', `${host.url}/vehicles`)
    visited.set('vehicle-new', `${host.url}/vehicles/new`)

    await page.getByRole('link', { name: 'Plan a job for this vehicle' }).click()
    const date = await today()
    await page.getByRole('heading', { name: `Planning of ${date}` }).waitFor()
    // The customer reaches the workshop's reference data through the streams, a moment after.
    await expect
      .poll(async () => {
        await page.reload()
        return page
          .getByLabel('Customer', { exact: true })
          .locator('option', { hasText: 'Ada Jansen' })
          .count()
      }, live)
      .toBe(1)
    await page.getByLabel('Start', { exact: true }).fill('10:00')
    await page.getByLabel('End', { exact: true }).fill('09:00')
    await page.getByLabel('Customer', { exact: true }).selectOption({ label: 'Ada Jansen' })
    await page.getByLabel('Vehicle', { exact: true }).selectOption({ label: 'AB-12-CD Volkswagen Golf' })
    await page.getByLabel('Work to do', { exact: true }).fill('Yearly service')
    await page.getByRole('button', { name: 'Plan job' }).click()
    await expect(page.locator('#e-endTime').textContent()).resolves.toMatch(/start/i)
    expect(await page.getByLabel('End', { exact: true }).getAttribute('aria-invalid')).toBe('true')
    await screenshot(page, 'planning-refusal')

    await page.getByLabel('Start', { exact: true }).fill('08:00')
    await page.getByLabel('End', { exact: true }).fill('09:00')
    await page.getByRole('button', { name: 'Plan job' }).click()
    await page.getByRole('cell', { name: 'Yearly service' }).waitFor()
    await page.getByText('Finish this job').click()
    await page.getByLabel('Notes', { exact: true }).fill('Oil and filters replaced')
    await page.getByRole('button', { name: 'Finish job' }).click()
    await page.locator('.status.finished').waitFor()
    visited.set('workshop', `${host.url}/workshop`)
    await screenshot(page, 'planning')

    // The next job, for the repair.
    await page.getByLabel('Start', { exact: true }).fill('10:00')
    await page.getByLabel('End', { exact: true }).fill('12:00')
    await page.getByLabel('Customer', { exact: true }).selectOption({ label: 'Ada Jansen' })
    await page.getByLabel('Vehicle', { exact: true }).selectOption({ label: 'AB-12-CD Volkswagen Golf' })
    await page.getByLabel('Work to do', { exact: true }).fill('Brakes squeak')
    await page.getByRole('button', { name: 'Plan job' }).click()
    await page.getByRole('cell', { name: 'Brakes squeak' }).waitFor()
    expect(complaints).toEqual([])
  }, 60_000)

  it('lets a mechanic sign in and plan a job with the keyboard alone', async () => {
    const { page, complaints } = await watchedPage(browser)
    /** Presses Tab until the focus is on what `selector` names (or gives up after 80 presses). */
    const tabTo = async (selector: string) => {
      for (let presses = 0; presses < 80; presses++) {
        await page.keyboard.press('Tab')
        if (await page.evaluate(`document.activeElement.matches(${JSON.stringify(selector)})`)) return
      }
      throw new Error(`Tab never reached ${selector}`)
    }
    await page.goto(`${host.url}/`)
    await tabTo('#f-email')
    await page.keyboard.type('mechanic@pitstop.local')
    await page.keyboard.press('Tab')
    await page.keyboard.type('pitstop')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Welcome to Pitstop' }).waitFor()

    await tabTo('nav a[href="/workshop"]')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: /^Planning of / }).waitFor()
    await tabTo('#f-startTime')
    await page.keyboard.type('1300')
    await tabTo('#f-endTime')
    await page.keyboard.type('1400')
    await tabTo('#f-customerId')
    await page.keyboard.press('ArrowDown') // the first customer: Ada Jansen
    await tabTo('#f-licenseNumber')
    await page.keyboard.press('ArrowDown') // her vehicle
    await tabTo('#f-description')
    await page.keyboard.type('Tyres changed, by keyboard')
    await tabTo('form[action$="/jobs"] button')
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Plan job')
    await page.keyboard.press('Enter')
    await page.getByRole('cell', { name: 'Tyres changed, by keyboard' }).waitFor()
    expect(complaints).toEqual([])
  }, 60_000)

  it('lets a manager add a part and receive a lot', async () => {
    const { page, complaints } = await watchedPage(browser)
    await signIn(page, 'manager@pitstop.local')
    await page.getByRole('link', { name: 'Parts', exact: true }).first().click()
    await page.getByLabel('Part number', { exact: true }).fill('bp-1044')
    await page.getByLabel('Name', { exact: true }).fill('Brake pads, front')
    await page.getByLabel('Unit price', { exact: true }).fill('12.50')
    await page.getByRole('button', { name: 'Add part' }).click()
    await page.getByRole('heading', { name: 'BP-1044 Brake pads, front' }).waitFor()
    await page.getByLabel('Receive a lot of', { exact: true }).fill('20')
    await page.getByRole('button', { name: 'Receive lot' }).click()
    await page.getByText('20 on hand').waitFor()
    visited.set('part', page.url())
    visited.set('parts', `${host.url}/parts`)
    expect(complaints).toEqual([])
  }, 30_000)

  it('shows the customer the approval request live, and the mechanic the answer live, in two browsers at once', async () => {
    const mechanic = await watchedPage(browser)
    const customer = await watchedPage(browser)
    await signIn(mechanic.page, 'mechanic@pitstop.local')

    // The mechanic makes the customer's personal link; the customer opens it in her own browser.
    await mechanic.page.goto(customerUrl)
    await mechanic.page.getByRole('button', { name: 'Make a personal link' }).click()
    const link = await mechanic.page.locator('#personal-link').getAttribute('href')
    await customer.page.goto(link!)
    await customer.page.getByRole('heading', { name: 'Your repair' }).waitFor()
    expect(new URL(customer.page.url()).search).toBe('') // the token left the address bar

    await mechanic.page.getByRole('link', { name: 'Repairs', exact: true }).first().click()
    await expect
      .poll(async () => {
        await mechanic.page.reload()
        return mechanic.page.getByLabel("Today's job", { exact: true }).count()
      }, live)
      .toBe(1)
    await mechanic.page.getByRole('button', { name: 'Start repair' }).click()
    await mechanic.page.getByRole('heading', { name: 'Repair of AB-12-CD' }).waitFor()
    repairUrl = mechanic.page.url()
    visited.set('repairs', `${host.url}/repairs`)

    // The customer's page shows the repair once its first notification arrives, without reloading.
    await customer.page.getByRole('heading', { name: /Repair of AB-12-CD/ }).waitFor(live)

    await mechanic.page.getByLabel('What is needed', { exact: true }).fill('Replace the front brake pads')
    await mechanic.page.getByLabel('Labour (hours)', { exact: true }).fill('1.5')
    await mechanic.page.getByLabel('Part 1', { exact: true }).selectOption('BP-1044')
    await mechanic.page.getByLabel('Quantity', { exact: true }).first().fill('2')
    await mechanic.page
      .getByText('Running price: 52.75 (labour 27.75 at 18.50 an hour, parts 25.00).')
      .waitFor()
    await screenshot(mechanic.page, 'repair-proposal')
    await mechanic.page.getByRole('button', { name: 'Send proposal' }).click()

    await customer.page.getByRole('heading', { name: 'Your approval is needed' }).waitFor(live)
    await customer.page.getByRole('cell', { name: '2 × BP-1044 at 12.50' }).waitFor()
    await screenshot(customer.page, 'portal-approval')
    expect(await seriousViolations(customer.page)).toEqual([])
    visited.set('portal', customer.page.url())
    await customer.page.getByRole('button', { name: 'Approve the extra work' }).click()
    await customer.page.getByText('The customer approved the extra work.').waitFor()

    // The mechanic's page has not been reloaded since the proposal went out.
    await mechanic.page.locator('#repair').getByText('approved', { exact: true }).first().waitFor(live)
    await screenshot(mechanic.page, 'repair-approved')
    visited.set('repair', repairUrl)
    // The system's clock stands still (CLOCK=manual): an hour of work passes before the completion.
    const { now } = (await (await host.get('/api/clock')).json()) as { now: string }
    await host.post('/api/clock/advance', { to: new Date(Date.parse(now) + 3_600_000).toISOString() })
    await mechanic.page.getByRole('button', { name: 'Complete repair' }).click()
    await mechanic.page.locator('#repair .status.completed').first().waitFor()
    expect([...mechanic.complaints, ...customer.complaints]).toEqual([])
  }, 90_000)

  it('shows support the conversation, the manager the approval in the figures and the groups caught up', async () => {
    const support = await watchedPage(browser)
    await signIn(support.page, 'support@pitstop.local')
    await support.page.getByRole('link', { name: 'Support', exact: true }).first().click()
    await expect
      .poll(async () => {
        await support.page.reload()
        return support.page.getByRole('link', { name: 'AB-12-CD' }).count()
      }, live)
      .toBeGreaterThan(0)
    visited.set('support', support.page.url())
    await support.page.getByRole('link', { name: 'AB-12-CD' }).first().click()
    await support.page.getByText('Replace the front brake pads', { exact: false }).first().waitFor()
    visited.set('conversation', support.page.url())
    await support.page
      .getByLabel('Write to the customer', { exact: true })
      .fill('Your car is ready to be picked up.')
    await support.page.getByRole('button', { name: 'Send message' }).click()
    await support.page.getByText('Your car is ready to be picked up.').first().waitFor()
    await screenshot(support.page, 'support-conversation')

    const manager = await watchedPage(browser)
    await signIn(manager.page, 'manager@pitstop.local')
    await manager.page.getByRole('link', { name: 'Insights', exact: true }).first().click()
    await expect
      .poll(async () => {
        await manager.page.reload()
        return manager.page
          .locator('#summary .figure', { hasText: 'Approved' })
          .first()
          .locator('strong')
          .textContent()
      }, live)
      .toBe('1')
    await manager.page.locator('canvas[data-drawn]').first().waitFor()
    visited.set('insights', manager.page.url())
    await screenshot(manager.page, 'insights')

    await manager.page.getByRole('link', { name: 'Console', exact: true }).first().click()
    const groups = manager.page.locator('#groups tbody tr')
    await expect
      .poll(async () => {
        await manager.page.reload()
        const lags = await groups.locator('td:nth-child(6)').allTextContents()
        return lags.length > 0 && lags.every((lag) => lag === '0')
      }, live)
      .toBe(true)
    visited.set('console', manager.page.url())
    await screenshot(manager.page, 'console')
    expect([...support.complaints, ...manager.complaints]).toEqual([])
  }, 60_000)

  it('finds no serious or critical accessibility violation on any page', async () => {
    const staff = await watchedPage(browser)
    await signIn(staff.page, 'manager@pitstop.local')
    const found: Record<string, unknown> = {}
    for (const [name, url] of visited) {
      if (name === 'portal') continue // the customer's, audited in her browser above
      await staff.page.goto(url)
      const violations = await seriousViolations(staff.page)
      if (violations.length > 0) found[name] = violations
    }
    const customer = await watchedPage(browser)
    await customer.page.goto(`${host.url}/sign-in`)
    found['sign-in'] = await seriousViolations(customer.page)
    if ((found['sign-in'] as unknown[]).length === 0) delete found['sign-in']
    expect(found).toEqual({})
    expect([...visited.keys()].sort()).toEqual(everyPage)
  }, 60_000)

  it('shows the manager a dead letter with its error on the console, and what a re-drive left', async () => {
    // An entry no contract reads, written to the customers stream behind the services' backs.
    const redis = new Redis(TEST_REDIS_URL)
    onTestFinished(async () => {
      await redis.quit()
    })
    const customers = `${host.streamPrefix}.customers`
    await redis.xadd(customers, '*', 'type', 'CustomerRegistered', 'event', '{not json')
    await expect.poll(() => redis.xlen(`${customers}.dlq`), live).toBeGreaterThan(0)

    const { page, complaints } = await watchedPage(browser)
    await signIn(page, 'manager@pitstop.local')
    await page.getByRole('link', { name: 'Console', exact: true }).first().click()
    await page.getByText('event field is not JSON').first().waitFor()
    await screenshot(page, 'console-dead-letter')
    await page.getByRole('button', { name: 'Re-drive the dead letters of workshop' }).click()
    await page.getByRole('status').getByText('workshop: 1 dead letters still fail.').waitFor()
    expect(complaints).toEqual([])
  }, 60_000)
})
