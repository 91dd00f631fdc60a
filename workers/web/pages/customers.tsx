import { Hono } from 'hono'
import type { Customer } from '../../../shared/contracts/index.ts'
import { may } from '../access.ts'
import type { Answer } from '../api.ts'
import { errorsOf, formValues, Input, PostForm, type Errors } from '../forms.tsx'
import { DataTable, Empty, Page, Unavailable, type Viewer } from '../layout.tsx'
import { dateInZone, timeInZone, workshopToday, type Job } from '../workshop-time.ts'
import { viewerOr, type WebEnv } from '../web-env.ts'

type Vehicle = { licenseNumber: string; brand: string; type: string; ownerId: string }
const PAGE = 25

const fields = [
  { name: 'name', label: 'Name', autocomplete: 'name' },
  { name: 'address', label: 'Address', autocomplete: 'street-address' },
  { name: 'postalCode', label: 'Postal code', autocomplete: 'postal-code' },
  { name: 'city', label: 'City', autocomplete: 'address-level2' },
  { name: 'telephoneNumber', label: 'Telephone number', autocomplete: 'tel', type: 'tel' },
  { name: 'emailAddress', label: 'E-mail address', autocomplete: 'email', type: 'email' },
] as const

function RegisterCustomer(props: {
  viewer: Viewer
  values?: Record<string, string>
  errors?: Errors
  keyId: string
}) {
  const { viewer, values = {}, errors, keyId } = props
  return (
    <Page title="Register a customer" viewer={viewer} current="/customers">
      <PostForm card action="/customers" errors={errors} submit="Register customer">
        <input type="hidden" name="key" value={values.key ?? keyId} />
        {fields.map((field) => (
          <Input {...field} value={values[field.name]} errors={errors} />
        ))}
      </PostForm>
    </Page>
  )
}

/** Customers: the list with search, registering one, and one with their vehicles and jobs. */
export function customerPages() {
  return new Hono<WebEnv>()
    .get('/customers', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const search = (c.req.query('search') ?? '').trim()
      const offset = Math.max(0, Number(c.req.query('offset')) || 0)
      const query = new URLSearchParams({ limit: String(PAGE + 1), offset: String(offset) })
      if (search) query.set('search', search)
      const answer = await c.get('api').get<Customer[]>(`/api/customers?${query}`)
      const more = answer.ok && answer.data.length > PAGE
      const page = (at: number) =>
        `/customers?${new URLSearchParams({ ...(search && { search }), offset: String(at) })}`
      return c.html(
        <Page title="Customers" viewer={viewer} current="/customers">
          <form class="inline" method="get" action="/customers" role="search">
            <Input
              name="search"
              label="Search by name, city or e-mail"
              type="search"
              required={false}
              value={search}
            />
            <button type="submit" class="secondary">
              Search
            </button>
            {may(viewer.role, 'POST /api/customers') && (
              <a class="button" href="/customers/new">
                Register a customer
              </a>
            )}
          </form>
          {!answer.ok ? (
            <Unavailable what="The customers" reason={answer.problem.title} />
          ) : answer.data.length === 0 ? (
            <Empty>
              {search ? `No customer matches “${search}”.` : 'No customers yet. Register the first one.'}
            </Empty>
          ) : (
            <DataTable wide caption="Customers, by name" columns={['Name', 'City', 'Telephone', 'E-mail']}>
              {answer.data.slice(0, PAGE).map((customer) => (
                <tr>
                  <td>
                    <a href={`/customers/${encodeURIComponent(customer.customerId)}`}>{customer.name}</a>
                  </td>
                  <td>{customer.city}</td>
                  <td>{customer.telephoneNumber}</td>
                  <td>{customer.emailAddress}</td>
                </tr>
              ))}
            </DataTable>
          )}
          <nav class="pager" aria-label="Pages of customers">
            {offset > 0 && <a href={page(Math.max(0, offset - PAGE))}>Previous page</a>}
            {more && <a href={page(offset + PAGE)}>Next page</a>}
          </nav>
        </Page>,
      )
    })
    .get('/customers/new', (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      return c.html(<RegisterCustomer viewer={viewer} keyId={c.get('newId')()} />)
    })
    .post('/customers', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const values = await formValues(c.req.raw)
      const body = Object.fromEntries(fields.map(({ name }) => [name, (values[name] ?? '').trim()]))
      const answer = await c
        .get('api')
        .post<Customer>('/api/customers', body, values.key ? { 'idempotency-key': values.key } : {})
      if (answer.ok) return c.redirect(`/customers/${encodeURIComponent(answer.data.customerId)}`, 303)
      return c.html(
        <RegisterCustomer
          viewer={viewer}
          values={values}
          errors={errorsOf(answer.problem)}
          keyId={values.key ?? ''}
        />,
        answer.status as 400,
      )
    })
    .get('/customers/:customerId', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const api = c.get('api')
      const id = c.req.param('customerId')
      const today = await workshopToday(api)
      const [customer, vehicles, jobs] = await Promise.all([
        api.get<Customer>(`/api/customers/${encodeURIComponent(id)}`),
        api.get<Vehicle[]>(`/api/vehicles?ownerId=${encodeURIComponent(id)}&limit=1000`),
        api.get<Job[]>(`/api/workshop/jobs?from=${today.date}&to=${today.plusDays(90)}`),
      ])
      if (!customer.ok && !customer.unavailable)
        return c.html(
          <Page title="Customer not found" viewer={viewer} current="/customers">
            <p class="notice error">{customer.problem.detail ?? customer.problem.title}</p>
            <a href="/customers">All customers</a>
          </Page>,
          customer.status as 404,
        )
      const name = customer.ok ? customer.data.name : id
      return c.html(
        <Page title={name} viewer={viewer} current="/customers">
          <div class="grid">
            <section class="card" aria-labelledby="details">
              <h2 id="details">Details</h2>
              {customer.ok ? (
                <CustomerDetails customer={customer.data} />
              ) : (
                <Unavailable what="The details" reason={customer.problem.title} />
              )}
            </section>
            <section class="card" aria-labelledby="vehicles">
              <h2 id="vehicles">Vehicles</h2>
              <VehicleList answer={vehicles} />
              {may(viewer.role, 'POST /api/vehicles') && (
                <a class="button secondary" href={`/vehicles/new?ownerId=${encodeURIComponent(id)}`}>
                  Register a vehicle
                </a>
              )}
            </section>
            <section class="card" aria-labelledby="jobs">
              <h2 id="jobs">Jobs from today on</h2>
              <JobList answer={jobs} customerId={id} timeZone={today.timeZone} />
            </section>
            {may(viewer.role, 'POST /api/auth/customer-link') && (
              <section class="card" aria-labelledby="link">
                <h2 id="link">Personal link</h2>
                <p>The customer follows their repairs and approves extra work through it.</p>
                <form method="post" action={`/customers/${encodeURIComponent(id)}/link`}>
                  <button type="submit" class="secondary">
                    Make a personal link
                  </button>
                </form>
              </section>
            )}
          </div>
        </Page>,
      )
    })
    .post('/customers/:customerId/link', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const id = c.req.param('customerId')
      const answer = await c
        .get('api')
        .post<{ url: string; expiresAt: string }>('/api/auth/customer-link', { customerId: id })
      return c.html(
        <Page title="Personal link" viewer={viewer} current="/customers">
          {answer.ok ? (
            <div class="card">
              <p>
                Send the customer this link; it opens their repairs until {answer.data.expiresAt.slice(0, 10)}
                :
              </p>
              <p>
                <a href={answer.data.url} id="personal-link">
                  {answer.data.url}
                </a>
              </p>
            </div>
          ) : (
            <Unavailable what="The link" reason={answer.problem.title} />
          )}
          <a href={`/customers/${encodeURIComponent(id)}`}>Back to the customer</a>
        </Page>,
        answer.ok ? 200 : (answer.status as 400),
      )
    })
}

const CustomerDetails = ({ customer }: { customer: Customer }) => (
  <dl>
    <dt>Address</dt>
    <dd>
      {customer.address}, {customer.postalCode} {customer.city}
    </dd>
    <dt>Telephone</dt>
    <dd>{customer.telephoneNumber}</dd>
    <dt>E-mail</dt>
    <dd>{customer.emailAddress}</dd>
    <dt>Customer id</dt>
    <dd>
      <code>{customer.customerId}</code>
    </dd>
  </dl>
)

const VehicleList = ({ answer }: { answer: Answer<Vehicle[]> }) =>
  !answer.ok ? (
    <Unavailable what="The vehicles" reason={answer.problem.title} />
  ) : answer.data.length === 0 ? (
    <Empty>No vehicles registered for this customer.</Empty>
  ) : (
    <ul>
      {answer.data.map((vehicle) => (
        <li>
          <a href={`/vehicles/${encodeURIComponent(vehicle.licenseNumber)}`}>{vehicle.licenseNumber}</a>{' '}
          {vehicle.brand} {vehicle.type}
        </li>
      ))}
    </ul>
  )

const JobList = ({
  answer,
  customerId,
  timeZone,
}: {
  answer: Answer<Job[]>
  customerId: string
  timeZone: string
}) => {
  if (!answer.ok) return <Unavailable what="The jobs" reason={answer.problem.title} />
  const own = answer.data.filter((job) => job.customerId === customerId)
  if (own.length === 0) return <Empty>No jobs planned.</Empty>
  return (
    <ul>
      {own.map((job) => (
        <li>
          <a href={`/workshop?date=${job.date}`}>
            {dateInZone(job.startTime, timeZone)} {timeInZone(job.startTime, timeZone)}
          </a>{' '}
          {job.licenseNumber}: {job.description} ({job.actualEndTime ? 'finished' : 'planned'})
        </li>
      ))}
    </ul>
  )
}
