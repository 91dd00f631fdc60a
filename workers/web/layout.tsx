import { raw } from 'hono/html'
import type { Child } from 'hono/jsx'
import type { Role } from '../../shared/auth/principal.ts'
import { may, type Endpoint } from './access.ts'

/** Who is looking at the page, as `GET /api/auth/me` says. */
export type Viewer =
  { role: Exclude<Role, 'customer'>; email: string } | { role: 'customer'; customerId: string }

/** The pages of the staff's menu, each shown to the roles its endpoint lets in. */
const menu: { href: string; label: string; endpoint: Endpoint }[] = [
  { href: '/workshop', label: 'Planning', endpoint: 'GET /api/workshop/planning/{date}' },
  { href: '/repairs', label: 'Repairs', endpoint: 'GET /api/repairs' },
  { href: '/customers', label: 'Customers', endpoint: 'GET /api/customers' },
  { href: '/vehicles', label: 'Vehicles', endpoint: 'GET /api/vehicles' },
  { href: '/support', label: 'Support', endpoint: 'GET /api/support/conversations' },
  { href: '/parts', label: 'Parts', endpoint: 'GET /api/parts' },
  { href: '/insights', label: 'Insights', endpoint: 'GET /api/insights/summary' },
  { href: '/console', label: 'Console', endpoint: 'GET /api/workshop/dead-letters' },
]

/** The menu entries `viewer` may open. */
export const menuFor = (viewer: Viewer | undefined) =>
  viewer === undefined || viewer.role === 'customer'
    ? []
    : menu.filter((item) => may(viewer.role, item.endpoint))

interface PageProps {
  title: string
  viewer?: Viewer | undefined
  /** The menu entry to mark as the current page. */
  current?: string
  /** Extra scripts of this page, by their asset path (charts, say). */
  scripts?: string[]
  children?: Child
}

/**
 * Every page's frame: a skip link, the menu of what the viewer may open, who is signed in, the page.
 * Scripts are the site's own files (the Content-Security-Policy allows nothing inline) and deferred, so
 * the page is readable and usable before they run.
 */
export function Page({ title, viewer, current, scripts = [], children }: PageProps) {
  const items = menuFor(viewer)
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}' />
          <title>{`${title} · Pitstop`}</title>
          <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
          <link rel="stylesheet" href="/assets/app.css" />
          <script src="/assets/htmx.min.js" defer></script>
          <script src="/assets/htmx-sse.js" defer></script>
          {scripts.map((src) => (
            <script src={src} defer></script>
          ))}
          <script src="/assets/web.js" defer></script>
        </head>
        <body>
          <a class="skip" href="#main">
            Skip to content
          </a>
          <header class="top">
            <a class="brand" href="/">
              Pitstop
            </a>
            {items.length > 0 && (
              <nav aria-label="Main">
                <ul>
                  {items.map((item) => (
                    <li>
                      <a href={item.href} aria-current={item.href === current ? 'page' : undefined}>
                        {item.label}
                      </a>
                    </li>
                  ))}
                </ul>
              </nav>
            )}
            {viewer && (
              <form class="who" method="post" action="/sign-out">
                <span>{viewer.role === 'customer' ? 'Your repair' : `${viewer.email} (${viewer.role})`}</span>
                <button type="submit" class="link">
                  Sign out
                </button>
              </form>
            )}
          </header>
          <main id="main" tabindex={-1}>
            <h1>{title}</h1>
            {children}
          </main>
        </body>
      </html>
    </>
  )
}

/** What went wrong, announced as soon as the page shows it. */
export const Alert = ({ children }: { children: Child }) => (
  <p class="notice error" role="alert">
    {children}
  </p>
)

/** A panel whose data could not be had: says why, so the rest of the page still serves. */
export const Unavailable = ({ what, reason }: { what: string; reason: string }) => (
  <Alert>
    {what} cannot be shown right now: {reason}. The rest of the page works; try again in a moment.
  </Alert>
)

/** What an empty list says, with what to do about it. */
export const Empty = ({ children }: { children: Child }) => <p class="empty">{children}</p>

/** A status (of a job, a repair, a service…) as a badge the stylesheet colours by its name. */
export const Status = ({ status }: { status: string }) => <span class={`status ${status}`}>{status}</span>

/** A column's heading: its text, or `{ num: text }` for a column of numbers, set flush right. */
export type Column = string | { num: string }

/**
 * A table of data, its rows as `children`. Only screen readers read its caption: to the eye, the page's
 * headings already say what it holds. A `wide` table scrolls sideways in a box of its own, so that on a
 * narrow screen the rest of the page stays put.
 */
export function DataTable(props: {
  caption: string
  columns: Column[]
  id?: string
  wide?: boolean
  children: Child
}) {
  const { caption, columns, id, wide, children } = props
  const table = (
    <table id={id}>
      <caption class="sr-only">{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) =>
            typeof column === 'string' ? (
              <th scope="col">{column}</th>
            ) : (
              <th scope="col" class="num">
                {column.num}
              </th>
            ),
          )}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  )
  return wide ? <div class="table-wrap">{table}</div> : table
}
