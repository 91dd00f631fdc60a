import { readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core'

const root = new URL('..', import.meta.url).pathname

/** Where the browser tests leave their pictures of the pages (git-ignored): open them to look. */
export const SCREENSHOTS = join(root, 'e2e/screenshots')

/** Debian's Chromium, headless; never a downloaded browser. `CHROMIUM` names another binary. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true })

/** A browser context as a person at a desk has it: a 24-hour clock, a laptop's screen. */
export const deskContext: BrowserContextOptions = {
  locale: 'en-GB',
  timezoneId: 'UTC',
  viewport: { width: 1280, height: 900 },
}

/** A page that records what the browser complained about: a blocked script or style, a failed request. */
export async function watchedPage(browser: Browser, options: BrowserContextOptions = {}) {
  const context = await browser.newContext({ ...deskContext, ...options })
  const page = await context.newPage()
  const complaints: string[] = []
  page.on('console', (message) => {
    // A form the service refused is answered 4xx on purpose; what else the browser reports is a fault.
    if (
      message.type() === 'error' &&
      !/^Failed to load resource: the server responded with a status of 4/.test(message.text())
    )
      complaints.push(message.text())
  })
  page.on('pageerror', (error) => complaints.push(error.message))
  page.on('response', (response) => {
    if (response.status() === 404) complaints.push(`404 ${response.url()}`)
  })
  return { page, context, complaints }
}

const axeSource = readFileSync(join(root, 'node_modules/axe-core/axe.min.js'), 'utf8')

export interface Violation {
  id: string
  impact: string | null
  help: string
  nodes: string[]
}

/**
 * axe-core's audit of the page as it stands (WCAG 2.1 A and AA and best practices), its serious and
 * critical violations. axe runs in the page through the DevTools protocol, which the page's
 * Content-Security-Policy does not govern, so the page is audited with its own policy in force.
 */
export async function seriousViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(axeSource)
  // A string, run in the page: this file is compiled for Node, which has no `window`.
  const results = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })`,
  )) as { violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }))
}

/** A full-page picture of `page` as `<name>.png` in the screenshots folder. */
export async function screenshot(page: Page, name: string) {
  await mkdir(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}
