import { Hono } from 'hono'
import { newUuidV7, type NewId } from '../../shared/clock.ts'
import type { WebApp } from '../../shared/host/gateway.ts'
import { apiFor, type ApiCall } from './api.ts'
import type { Assets } from './assets.ts'
import type { Viewer } from './layout.tsx'
import { consolePages } from './pages/console.tsx'
import { customerPages } from './pages/customers.tsx'
import { homePages } from './pages/home.tsx'
import { insightsPages } from './pages/insights.tsx'
import { partsPages } from './pages/parts.tsx'
import { portalPages } from './pages/portal.tsx'
import { repairPages } from './pages/repairs.tsx'
import { signInPages } from './pages/sign-in.tsx'
import { supportPages } from './pages/support.tsx'
import { vehiclePages } from './pages/vehicles.tsx'
import { workshopPages } from './pages/workshop.tsx'
import type { WebEnv } from './web-env.ts'

export interface WebDeps {
  /** The gateway itself, with the host's bindings: the pages call the API as any client does. */
  call: (request: Request, bindings: unknown) => Response | Promise<Response>
  /** The stylesheet, script and libraries, by path; without them the app serves no `/assets/...`. */
  assets?: Assets
  newId: NewId
}

/**
 * The web app: server-rendered pages for every role, at `/` and beside the API on every host. Each page
 * asks the API with the viewer's own session, so it shows what their role may see and nothing more;
 * a service that cannot be reached empties its panel, not the page.
 *
 * @example
 * gateway.route('/', createWebApp({ call: (request, env) => gateway.fetch(request, env), newId }))
 */
export function createWebApp({ call, assets, newId }: WebDeps) {
  const app = new Hono<WebEnv>()
  if (assets)
    app.get('/assets/*', async (c, next) => {
      const file = await assets(c.req.path)
      if (!file) return next()
      return file
    })
  app.use(async function viewerOf(c, next) {
    const bound: ApiCall = (request) => call(request, c.env)
    const api = apiFor(c.req.raw, bound)
    c.set('api', api)
    c.set('newId', newId)
    const signedIn = /pitstop_session=|authorization/i.test(
      `${c.req.header('cookie') ?? ''} ${c.req.header('authorization') ? 'authorization' : ''}`,
    )
    const me = signedIn ? await api.get<Viewer>('/api/auth/me') : undefined
    c.set('viewer', me?.ok ? me.data : undefined)
    c.header('cache-control', 'no-store')
    await next()
  })
  return app
    .route('/', signInPages())
    .route('/', homePages())
    .route('/', customerPages())
    .route('/', vehiclePages())
    .route('/', workshopPages())
    .route('/', repairPages())
    .route('/', portalPages())
    .route('/', supportPages())
    .route('/', partsPages())
    .route('/', insightsPages())
    .route('/', consolePages())
}

/** The web app as a gateway mounts it, with the host's way of serving its files. */
export const webApp =
  (assets?: Assets): WebApp =>
  (call) =>
    createWebApp({ call, newId: newUuidV7, ...(assets && { assets }) })
