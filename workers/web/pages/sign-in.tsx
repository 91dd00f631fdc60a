import { Hono } from 'hono'
import { setCookie } from 'hono/cookie'
import { SESSION_COOKIE } from '../../../shared/auth/access.ts'
import { errorsOf, formValues, Input, PostForm, type Errors } from '../forms.tsx'
import { Alert, Page, type Viewer } from '../layout.tsx'
import { safeNext, type WebContext, type WebEnv } from '../web-env.ts'

/** Passes the auth service's cookies (the session, or its end) on to the browser. */
function passCookies(c: WebContext, headers: Headers) {
  for (const cookie of headers.getSetCookie()) c.header('set-cookie', cookie, { append: true })
}

const SignIn = ({ next, email, errors }: { next: string; email?: string; errors?: Errors }) => (
  <Page title="Sign in">
    <div class="card">
      <p>
        Staff of the garage sign in with their e-mail address. Customers open Pitstop from the link they were
        sent.
      </p>
      <PostForm action={`/sign-in?next=${encodeURIComponent(next)}`} errors={errors} submit="Sign in">
        <Input
          name="email"
          label="E-mail address"
          type="email"
          autocomplete="username"
          value={email}
          errors={errors}
        />
        <Input
          name="password"
          label="Password"
          type="password"
          autocomplete="current-password"
          errors={errors}
        />
      </PostForm>
      <p class="hint">
        Trying Pitstop on your own machine? Until staff accounts are configured, the host lets in demo
        accounts and names them in its log when it starts.
      </p>
    </div>
  </Page>
)

/** Signing staff in and out, and opening a customer's personal link (`/?token=`). */
export function signInPages() {
  return new Hono<WebEnv>()
    .get('/sign-in', (c) => c.html(<SignIn next={safeNext(c.req.query('next'))} />))
    .post('/sign-in', async (c) => {
      const next = safeNext(c.req.query('next'))
      const { email = '', password = '' } = await formValues(c.req.raw)
      const answer = await c.get('api').post('/api/auth/login', { email: email.trim(), password })
      if (answer.ok) {
        passCookies(c, answer.headers)
        return c.redirect(next, 303)
      }
      const errors = errorsOf(answer.problem)
      // Which field was wrong is not said (the service does not say either): above the form.
      if (errors.email || errors.password) errors.form ??= 'Fill in a valid e-mail address and a password.'
      return c.html(<SignIn next={next} email={email} errors={errors} />, answer.status as 401)
    })
    .post('/sign-out', async (c) => {
      const answer = await c.get('api').post('/api/auth/logout')
      if (answer.ok) passCookies(c, answer.headers)
      return c.redirect('/sign-in', 303)
    })
    .get('/', async (c, next) => {
      const token = c.req.query('token')
      if (token === undefined) return next()
      const checked = await c.get('api').withSession(token).get<Viewer>('/api/auth/me')
      if (!checked.ok || checked.data.role !== 'customer')
        return c.html(
          <Page title="This link does not open">
            <Alert>The link has ended or is not valid. Ask the garage to send you a new one.</Alert>
          </Page>,
          401,
        )
      // The token leaves the address bar (and the history, and any Referer) for a cookie of the browser's
      // session; the token's own expiry still decides how long it opens anything.
      setCookie(c, SESSION_COOKIE, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'Lax',
        secure: new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https',
      })
      return c.redirect('/portal', 303)
    })
}
