import { Hono } from 'hono'
import { menuFor, Page } from '../layout.tsx'
import { viewerOr, type WebEnv } from '../web-env.ts'

/** What each page is for, so a newcomer knows where to start. */
const purpose: Record<string, string> = {
  '/workshop': "The day's jobs: plan one, see where the workstations are taken, finish a job.",
  '/repairs': 'Start a repair on a planned job, propose extra work to the customer, complete it.',
  '/customers': 'Find a customer, register a new one, see their vehicles and jobs.',
  '/vehicles': 'The vehicles the garage knows, and registering one for its owner.',
  '/support': 'Conversations with customers about their repairs, the longest wait first.',
  '/parts': 'The parts catalogue with stock per lot; add a part, receive a delivery.',
  '/insights': 'How fast customers answer, how many approve, how busy the workshop is.',
  '/console': 'Streams, consumer groups and dead letters: whether events are flowing.',
}

/** The start page: a customer goes to their repair, staff see what they can do. */
export function homePages() {
  return new Hono<WebEnv>().get('/', (c) => {
    const viewer = viewerOr(c)
    if (viewer instanceof Response) return viewer
    if (viewer.role === 'customer') return c.redirect('/portal', 303)
    return c.html(
      <Page title="Welcome to Pitstop" viewer={viewer}>
        <p>Signed in as a {viewer.role}. Choose what to do:</p>
        <div class="grid">
          {menuFor(viewer).map((item) => (
            <section class="card" aria-labelledby={`home-${item.label}`}>
              <h2 id={`home-${item.label}`}>
                <a href={item.href}>{item.label}</a>
              </h2>
              <p>{purpose[item.href]}</p>
            </section>
          ))}
        </div>
        <p class="hint">
          Scripts and other services use the same API: <a href="/api">the list of endpoints</a>.
        </p>
      </Page>,
    )
  })
}
