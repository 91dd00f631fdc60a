/**
 * The files the pages load, by the path they are served at, each from its place in the repository: the
 * site's own stylesheet and script, and the libraries, straight from their npm packages (no build step).
 * The Node and Deno hosts read them from there; the edge tooling copies them into the gateway worker's
 * static assets.
 */
export const assetFiles: Record<string, { file: string; type: string }> = {
  '/assets/app.css': { file: 'workers/web/assets/app.css', type: 'text/css; charset=utf-8' },
  '/assets/favicon.svg': { file: 'workers/web/assets/favicon.svg', type: 'image/svg+xml' },
  '/assets/web.js': { file: 'workers/web/assets/web.js', type: 'text/javascript; charset=utf-8' },
  '/assets/htmx.min.js': {
    file: 'node_modules/htmx.org/dist/htmx.min.js',
    type: 'text/javascript; charset=utf-8',
  },
  '/assets/htmx-sse.js': {
    file: 'node_modules/htmx-ext-sse/dist/sse.min.js',
    type: 'text/javascript; charset=utf-8',
  },
  '/assets/chart.umd.js': {
    file: 'node_modules/chart.js/dist/chart.umd.min.js',
    type: 'text/javascript; charset=utf-8',
  },
}

/** Answers `path` with its file, or undefined when it is none of them. */
export type Assets = (path: string) => Promise<Response | undefined>
