import { Hono } from 'hono'
import type { Customer } from '../../../shared/contracts/index.ts'
import { may } from '../access.ts'
import { errorsOf, formValues, Input, PostForm, Select, type Errors } from '../forms.tsx'
import { DataTable, Empty, Page, Unavailable, type Viewer } from '../layout.tsx'
import { viewerOr, type WebContext, type WebEnv } from '../web-env.ts'

type Vehicle = { licenseNumber: string; brand: string; type: string; ownerId: string }
const PAGE = 25

function RegisterVehicle(props: {
  viewer: Viewer
  owners: Customer[] | string
  values?: Record<string, string>
  errors?: Errors
}) {
  const { viewer, owners, values = {}, errors } = props
  return (
    <Page title="Register a vehicle" viewer={viewer} current="/vehicles">
      <PostForm card action="/vehicles" errors={errors} submit="Register vehicle">
        <Input
          name="licenseNumber"
          label="License number"
          hint="Three groups of letters or digits with dashes, as AB-12-CD"
          value={values.licenseNumber}
          errors={errors}
        />
        <Input name="brand" label="Brand" value={values.brand} errors={errors} />
        <Input name="type" label="Type" value={values.type} errors={errors} />
        {typeof owners === 'string' ? (
          <>
            <Unavailable what="The list of customers" reason={owners} />
            <Input name="ownerId" label="Owner's customer id" value={values.ownerId} errors={errors} />
          </>
        ) : (
          <Select
            name="ownerId"
            label="Owner"
            placeholder="Choose the owner"
            value={values.ownerId}
            errors={errors}
            options={owners.map((c) => ({ value: c.customerId, label: `${c.name}, ${c.city}` }))}
          />
        )}
      </PostForm>
    </Page>
  )
}

/** Vehicles: the list, registering one for its owner, and one vehicle. */
export function vehiclePages() {
  const owners = async (c: WebContext) => {
    const answer = await c.get('api').get<Customer[]>('/api/customers?limit=1000')
    return answer.ok ? answer.data : answer.problem.title
  }
  return new Hono<WebEnv>()
    .get('/vehicles', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const offset = Math.max(0, Number(c.req.query('offset')) || 0)
      const answer = await c.get('api').get<Vehicle[]>(`/api/vehicles?limit=${PAGE + 1}&offset=${offset}`)
      return c.html(
        <Page title="Vehicles" viewer={viewer} current="/vehicles">
          {may(viewer.role, 'POST /api/vehicles') && (
            <p>
              <a class="button" href="/vehicles/new">
                Register a vehicle
              </a>
            </p>
          )}
          {!answer.ok ? (
            <Unavailable what="The vehicles" reason={answer.problem.title} />
          ) : answer.data.length === 0 ? (
            <Empty>No vehicles yet. Register a customer first, then their vehicle.</Empty>
          ) : (
            <DataTable
              wide
              caption="Vehicles, by license number"
              columns={['License number', 'Brand', 'Type', 'Owner']}
            >
              {answer.data.slice(0, PAGE).map((vehicle) => (
                <tr>
                  <td>
                    <a href={`/vehicles/${encodeURIComponent(vehicle.licenseNumber)}`}>
                      {vehicle.licenseNumber}
                    </a>
                  </td>
                  <td>{vehicle.brand}</td>
                  <td>{vehicle.type}</td>
                  <td>
                    <a href={`/customers/${encodeURIComponent(vehicle.ownerId)}`}>Owner</a>
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
          <nav class="pager" aria-label="Pages of vehicles">
            {offset > 0 && <a href={`/vehicles?offset=${Math.max(0, offset - PAGE)}`}>Previous page</a>}
            {answer.ok && answer.data.length > PAGE && (
              <a href={`/vehicles?offset=${offset + PAGE}`}>Next page</a>
            )}
          </nav>
        </Page>,
      )
    })
    .get('/vehicles/new', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const values = { ownerId: c.req.query('ownerId') ?? '' }
      return c.html(<RegisterVehicle viewer={viewer} owners={await owners(c)} values={values} />)
    })
    .post('/vehicles', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const values = await formValues(c.req.raw)
      const body = Object.fromEntries(
        ['licenseNumber', 'brand', 'type', 'ownerId'].map((name) => [name, (values[name] ?? '').trim()]),
      )
      const answer = await c.get('api').post<Vehicle>('/api/vehicles', body)
      if (answer.ok) return c.redirect(`/vehicles/${encodeURIComponent(answer.data.licenseNumber)}`, 303)
      const errors = errorsOf(answer.problem, { 'license-number-taken': 'licenseNumber' })
      return c.html(
        <RegisterVehicle viewer={viewer} owners={await owners(c)} values={values} errors={errors} />,
        answer.status as 400,
      )
    })
    .get('/vehicles/:licenseNumber', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const api = c.get('api')
      const vehicle = await api.get<Vehicle>(
        `/api/vehicles/${encodeURIComponent(c.req.param('licenseNumber'))}`,
      )
      if (!vehicle.ok)
        return c.html(
          <Page title="Vehicle" viewer={viewer} current="/vehicles">
            <Unavailable what="The vehicle" reason={vehicle.problem.detail ?? vehicle.problem.title} />
            <a href="/vehicles">All vehicles</a>
          </Page>,
          vehicle.status as 404,
        )
      const owner = await api.get<Customer>(`/api/customers/${encodeURIComponent(vehicle.data.ownerId)}`)
      const { licenseNumber, brand, type, ownerId } = vehicle.data
      return c.html(
        <Page title={licenseNumber} viewer={viewer} current="/vehicles">
          <dl class="card">
            <dt>Brand and type</dt>
            <dd>
              {brand} {type}
            </dd>
            <dt>Owner</dt>
            <dd>
              <a href={`/customers/${encodeURIComponent(ownerId)}`}>{owner.ok ? owner.data.name : ownerId}</a>
            </dd>
          </dl>
          {may(viewer.role, 'POST /api/workshop/planning/{date}/jobs') && (
            <p>
              <a class="button secondary" href={`/workshop?vehicle=${encodeURIComponent(licenseNumber)}`}>
                Plan a job for this vehicle
              </a>
            </p>
          )}
        </Page>,
      )
    })
}
