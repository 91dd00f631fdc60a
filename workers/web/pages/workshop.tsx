import { Hono } from 'hono'
import { addDays } from '../../../shared/days.ts'
import { may } from '../access.ts'
import type { Answer } from '../api.ts'
import { errorsOf, formValues, Input, PostForm, Select, TextArea, type Errors } from '../forms.tsx'
import { DataTable, Empty, Page, Status, Unavailable, type Viewer } from '../layout.tsx'
import { viewerOr, type WebContext, type WebEnv } from '../web-env.ts'
import { instantOf, timeInZone, workshopToday } from '../workshop-time.ts'

/** A job of a day's planning, as the workshop answers it. */
interface PlannedJob {
  jobId: string
  startTime: string
  endTime: string
  description: string
  status: 'planned' | 'finished'
  customer: { customerId: string; name: string; telephoneNumber: string }
  vehicle: { licenseNumber: string; brand: string; type: string }
  actualStartTime?: string
  actualEndTime?: string
  notes?: string
}
type RefCustomer = { customerId: string; name: string }
type RefVehicle = { licenseNumber: string; brand: string; type: string; ownerId?: string }

// Each refusal of the planning shown beside the field it is about.
const planRuleFields = {
  'start-before-end': 'endTime',
  'job-within-planning-day': 'startTime',
  'max-overlapping-jobs': 'startTime',
  'vehicle-not-double-booked': 'licenseNumber',
  'unknown-customer': 'customerId',
  'unknown-vehicle': 'licenseNumber',
}
const finishRuleFields = { 'start-before-end': 'endTime' }

const DATE = /^\d{4}-\d{2}-\d{2}$/

interface DayProps {
  viewer: Viewer
  date: string
  today: string
  timeZone: string
  planning: Answer<{ jobs: PlannedJob[] }>
  customers: Answer<RefCustomer[]>
  vehicles: Answer<RefVehicle[]>
  values?: Record<string, string>
  errors?: Errors
  /** The job whose finish form the errors belong to. */
  finishing?: string
  /** The status of the answer: the API's, when a form was refused. */
  status?: number
}

function Day(props: DayProps) {
  const { viewer, date, today, timeZone, planning } = props
  const plans = may(viewer.role, 'POST /api/workshop/planning/{date}/jobs')
  return (
    <Page title={`Planning of ${date}`} viewer={viewer} current="/workshop">
      <nav class="pager" aria-label="Days">
        <a href={`/workshop?date=${addDays(date, -1)}`}>Previous day</a>
        <a href={`/workshop?date=${today}`} aria-current={date === today ? 'date' : undefined}>
          Today
        </a>
        <a href={`/workshop?date=${addDays(date, 1)}`}>Next day</a>
        <form class="inline" method="get" action="/workshop">
          <label for="f-day">Go to day</label>
          <input id="f-day" type="date" name="date" value={date} />
          <button type="submit" class="secondary">
            Show
          </button>
        </form>
      </nav>
      <p class="hint">Times are in {timeZone}.</p>
      <section aria-labelledby="jobs-heading">
        <h2 id="jobs-heading">Jobs</h2>
        {!planning.ok ? (
          <Unavailable what="The planning" reason={planning.problem.title} />
        ) : planning.data.jobs.length === 0 ? (
          <Empty>No jobs on this day{plans ? ': plan the first one below.' : '.'}</Empty>
        ) : (
          <DataTable
            wide
            caption={`Jobs of ${date}, by start time`}
            columns={['Time', 'Vehicle', 'Customer', 'Work', 'Status']}
          >
            {planning.data.jobs.map((job) => (
              <JobRow {...props} job={job} />
            ))}
          </DataTable>
        )}
      </section>
      {plans && <PlanJob {...props} />}
    </Page>
  )
}

function JobRow(props: DayProps & { job: PlannedJob }) {
  const { job, timeZone, viewer, date } = props
  const errors = props.finishing === job.jobId ? props.errors : undefined
  const values = props.finishing === job.jobId ? (props.values ?? {}) : {}
  return (
    <tr id={`job-${job.jobId}`}>
      <td>
        {timeInZone(job.startTime, timeZone)}–{timeInZone(job.endTime, timeZone)}
      </td>
      <td>
        <a href={`/vehicles/${encodeURIComponent(job.vehicle.licenseNumber)}`}>{job.vehicle.licenseNumber}</a>{' '}
        {job.vehicle.brand} {job.vehicle.type}
      </td>
      <td>
        <a href={`/customers/${encodeURIComponent(job.customer.customerId)}`}>{job.customer.name}</a>
      </td>
      <td>
        {job.description}
        {job.notes && <p class="hint">Notes: {job.notes}</p>}
      </td>
      <td>
        <Status status={job.status} />
        {job.status === 'finished' && job.actualStartTime && job.actualEndTime && (
          <p class="hint">
            Worked {timeInZone(job.actualStartTime, timeZone)}–{timeInZone(job.actualEndTime, timeZone)}
          </p>
        )}
        {job.status === 'planned' &&
          may(viewer.role, 'PUT /api/workshop/planning/{date}/jobs/{jobId}/finish') && (
            <details open={errors !== undefined}>
              <summary>Finish this job</summary>
              <PostForm
                action={`/workshop/${date}/jobs/${encodeURIComponent(job.jobId)}/finish`}
                errors={errors}
                submit="Finish job"
              >
                <Input
                  name="startTime"
                  label="Started at"
                  type="time"
                  value={values.startTime ?? timeInZone(job.startTime, timeZone)}
                  errors={errors}
                />
                <Input
                  name="endTime"
                  label="Ended at"
                  type="time"
                  value={values.endTime ?? timeInZone(job.endTime, timeZone)}
                  errors={errors}
                />
                <TextArea name="notes" label="Notes" value={values.notes} errors={errors} />
              </PostForm>
            </details>
          )}
      </td>
    </tr>
  )
}

function PlanJob({ date, customers, vehicles, values = {}, errors, finishing }: DayProps) {
  const own = finishing === undefined ? errors : undefined
  return (
    <section class="card" aria-labelledby="plan-heading">
      <h2 id="plan-heading">Plan a job on {date}</h2>
      <PostForm action={`/workshop/${date}/jobs`} errors={own} submit="Plan job">
        <Input name="startTime" label="Start" type="time" value={values.startTime} errors={own} />
        <Input name="endTime" label="End" type="time" value={values.endTime} errors={own} />
        {customers.ok ? (
          <Select
            name="customerId"
            label="Customer"
            placeholder="Choose the customer"
            value={values.customerId}
            errors={own}
            options={customers.data.map((c) => ({ value: c.customerId, label: c.name }))}
          />
        ) : (
          <Unavailable what="The customers" reason={customers.problem.title} />
        )}
        {vehicles.ok ? (
          <Select
            name="licenseNumber"
            label="Vehicle"
            placeholder="Choose the vehicle"
            value={values.licenseNumber}
            errors={own}
            options={vehicles.data.map((v) => ({
              value: v.licenseNumber,
              label: `${v.licenseNumber} ${v.brand} ${v.type}`,
            }))}
          />
        ) : (
          <Unavailable what="The vehicles" reason={vehicles.problem.title} />
        )}
        <TextArea name="description" label="Work to do" value={values.description} errors={own} />
      </PostForm>
      {customers.ok && customers.data.length === 0 && (
        <p class="hint">
          Customers and vehicles appear here a moment after they are <a href="/customers/new">registered</a>.
        </p>
      )}
    </section>
  )
}

/** The day, with what the forms need; `extra` adds the values and errors of a refused form. */
async function dayOf(c: WebContext, viewer: Viewer, date: string | undefined, extra: Partial<DayProps> = {}) {
  const api = c.get('api')
  const today = await workshopToday(api)
  const day = date && DATE.test(date) ? date : today.date
  if (!day)
    return c.html(
      <Page title="Planning" viewer={viewer} current="/workshop">
        <Unavailable what="Today's planning" reason="the clock service cannot be reached" />
        <form class="inline" method="get" action="/workshop">
          <label for="f-day">Day</label>
          <input id="f-day" type="date" name="date" required />
          <button type="submit">Show</button>
        </form>
      </Page>,
      503,
    )
  const [planning, customers, vehicles] = await Promise.all([
    api.get<{ jobs: PlannedJob[] }>(`/api/workshop/planning/${day}`),
    api.get<RefCustomer[]>('/api/workshop/refdata/customers?limit=1000'),
    api.get<RefVehicle[]>('/api/workshop/refdata/vehicles?limit=1000'),
  ])
  const values = extra.values ?? { licenseNumber: c.req.query('vehicle') ?? '' }
  const props = {
    viewer,
    date: day,
    today: today.date,
    timeZone: today.timeZone,
    planning,
    customers,
    vehicles,
    ...extra,
    values,
  }
  return c.html(<Day {...props} />, (extra.errors ? extra.status : 200) as 200)
}

/** The workshop's planning per day: its jobs, planning one, finishing one. */
export function workshopPages() {
  return new Hono<WebEnv>()
    .get('/workshop', (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      return dayOf(c, viewer, c.req.query('date'))
    })
    .post('/workshop/:date/jobs', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const date = c.req.param('date')
      const values = await formValues(c.req.raw)
      const { timeZone } = await workshopToday(c.get('api'))
      const body = {
        startTime: instantOf(date, values.startTime ?? '', timeZone) ?? values.startTime,
        endTime: instantOf(date, values.endTime ?? '', timeZone) ?? values.endTime,
        customerId: values.customerId,
        licenseNumber: values.licenseNumber,
        description: values.description?.trim(),
      }
      const answer = await c.get('api').post(`/api/workshop/planning/${encodeURIComponent(date)}/jobs`, body)
      if (answer.ok) return c.redirect(`/workshop?date=${date}`, 303)
      return dayOf(c, viewer, date, {
        values,
        errors: errorsOf(answer.problem, planRuleFields),
        status: answer.status,
      })
    })
    .post('/workshop/:date/jobs/:jobId/finish', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const { date, jobId } = c.req.param()
      const values = await formValues(c.req.raw)
      const { timeZone } = await workshopToday(c.get('api'))
      const body = {
        startTime: instantOf(date, values.startTime ?? '', timeZone) ?? values.startTime,
        endTime: instantOf(date, values.endTime ?? '', timeZone) ?? values.endTime,
        notes: values.notes?.trim(),
      }
      const path = `/api/workshop/planning/${encodeURIComponent(date)}/jobs/${encodeURIComponent(jobId)}/finish`
      const answer = await c.get('api').put(path, body)
      if (answer.ok) return c.redirect(`/workshop?date=${date}#job-${encodeURIComponent(jobId)}`, 303)
      const errors = errorsOf(answer.problem, finishRuleFields)
      return dayOf(c, viewer, date, { values, errors, finishing: jobId, status: answer.status })
    })
}
