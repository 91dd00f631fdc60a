import { Hono } from 'hono'
import { may } from '../access.ts'
import type { Answer } from '../api.ts'
import { errorsOf, formValues, Input, PostForm, Select, TextArea, type Errors } from '../forms.tsx'
import { Alert, DataTable, Empty, Page, Status, Unavailable, type Viewer } from '../layout.tsx'
import { newestNotification } from '../live.ts'
import { viewerOr, type WebContext, type WebEnv } from '../web-env.ts'
import { momentInZone, timeInZone, workshopToday } from '../workshop-time.ts'
import { LiveRegion, PriceTable, Timeline, type RepairDetail } from './repair-views.tsx'

type RepairRow = {
  repairId: string
  jobId: string
  planningDate: string
  licenseNumber: string
  status: string
  startedAt: string
  expiresAt?: string | null
  completedAt?: string | null
}
type PlannedJob = {
  jobId: string
  startTime: string
  description: string
  status: string
  vehicle: { licenseNumber: string }
  customer: { name: string }
}
type Part = { partNumber: string; name: string; unitPrice: string; available: number }

const PART_LINES = 4

const proposalRuleFields = {
  'one-proposal-at-a-time': 'form',
  'repair-already-completed': 'form',
  'proposal-id-unique': 'form',
}

function Board({ repairs, timeZone }: { repairs: Answer<RepairRow[]>; timeZone: string }) {
  if (!repairs.ok) return <Unavailable what="The repairs" reason={repairs.problem.title} />
  const active = repairs.data.filter((r) => r.status !== 'completed')
  const completed = repairs.data
    .filter((r) => r.status === 'completed')
    .slice(-10)
    .reverse()
  const table = (caption: string, list: RepairRow[]) => (
    <DataTable caption={caption} columns={['Vehicle', 'Started', 'Status']}>
      {list.map((r) => (
        <tr>
          <td>
            <a href={`/repairs/${encodeURIComponent(r.repairId)}`}>{r.licenseNumber}</a>
          </td>
          <td>{momentInZone(r.startedAt, timeZone)}</td>
          <td>
            <Status status={r.status} />
            {r.status === 'awaiting-approval' && r.expiresAt && (
              <span class="hint"> until {momentInZone(r.expiresAt, timeZone)}</span>
            )}
          </td>
        </tr>
      ))}
    </DataTable>
  )
  return (
    <>
      <h2>In the workshop</h2>
      {active.length === 0 ? <Empty>No repair under way.</Empty> : table('Repairs under way', active)}
      <h2>Recently completed</h2>
      {completed.length === 0 ? <Empty>None yet.</Empty> : table('Repairs completed last', completed)}
    </>
  )
}

function RepairState({
  repair,
  timeZone,
  viewer,
}: {
  repair: Answer<RepairDetail>
  timeZone: string
  viewer: Viewer
}) {
  if (!repair.ok)
    return <Unavailable what="The repair" reason={repair.problem.detail ?? repair.problem.title} />
  const current = repair.data.proposals.at(-1)
  return (
    <>
      <p>
        Status: <Status status={repair.data.status} />
      </p>
      {current && (
        <section aria-labelledby="current-proposal">
          <h2 id="current-proposal">Latest proposal</h2>
          <p>
            {current.description} — <Status status={current.status} />
            {current.reason && <span> “{current.reason}”</span>}
          </p>
          {current.status === 'awaiting-parts' && <p class="hint">Waiting for the parts to be reserved.</p>}
          {current.status === 'awaiting-approval' && current.expiresAt && (
            <p class="hint">
              Waiting for the customer, who has until {momentInZone(current.expiresAt, timeZone)}.
            </p>
          )}
          {current.shortages && (
            <p class="notice error">
              Short of:{' '}
              {current.shortages.map((s) => `${s.partNumber} (${s.available} available)`).join(', ')}
            </p>
          )}
          {current.price && <PriceTable price={current.price} caption="Price asked" />}
        </section>
      )}
      {may(viewer.role, 'POST /api/repairs/{repairId}/complete') && repair.data.status === 'in-progress' && (
        <form method="post" action={`/repairs/${encodeURIComponent(repair.data.repairId)}/complete`}>
          <button type="submit">Complete repair</button>
        </form>
      )}
      <h2>What happened</h2>
      <Timeline repair={repair.data} timeZone={timeZone} />
    </>
  )
}

function ProposeForm(props: {
  repairId: string
  hourlyRate: string
  parts: Answer<Part[]>
  values?: Record<string, string>
  errors?: Errors
}) {
  const { repairId, hourlyRate, parts, values = {}, errors } = props
  return (
    <section class="card" aria-labelledby="propose">
      <h2 id="propose">Propose extra work</h2>
      <PostForm
        action={`/repairs/${encodeURIComponent(repairId)}/proposals`}
        errors={errors}
        submit="Send proposal"
        data-running-price
        data-hourly-rate={hourlyRate}
      >
        <TextArea name="description" label="What is needed" value={values.description} errors={errors} />
        <Input
          name="labourHours"
          label="Labour (hours)"
          type="number"
          step="0.01"
          min="0.01"
          value={values.labourHours}
          errors={errors}
          hint="In steps of 0.01, such as 1.5"
        />
        <fieldset>
          <legend>Parts</legend>
          {!parts.ok ? (
            <Unavailable what="The parts catalogue" reason={parts.problem.title} />
          ) : (
            Array.from({ length: PART_LINES }, (_, i) => (
              <div class="inline">
                <div class="field">
                  <label for={`f-part-${i}`}>Part {i + 1}</label>
                  <select id={`f-part-${i}`} name={`part-${i}`}>
                    <option value="">None</option>
                    {parts.data.map((p) => (
                      <option
                        value={p.partNumber}
                        data-price={p.unitPrice}
                        data-available={String(p.available)}
                        selected={values[`part-${i}`] === p.partNumber}
                      >
                        {`${p.partNumber} ${p.name}, ${p.unitPrice} each, ${p.available} available`}
                      </option>
                    ))}
                  </select>
                </div>
                <div class="field">
                  <label for={`f-quantity-${i}`}>Quantity</label>
                  <input
                    id={`f-quantity-${i}`}
                    name={`quantity-${i}`}
                    type="number"
                    min="1"
                    step="1"
                    value={values[`quantity-${i}`] ?? '1'}
                  />
                </div>
              </div>
            ))
          )}
          {errors?.parts && <p class="error">{errors.parts}</p>}
        </fieldset>
        <p aria-live="polite" data-price-output class="hint">
          Running price: labour at {hourlyRate} an hour and the parts at their unit prices.
        </p>
      </PostForm>
    </section>
  )
}

async function repairPage(
  c: WebContext,
  viewer: Viewer,
  repairId: string,
  extra: { values?: Record<string, string>; errors?: Errors; status?: number } = {},
) {
  const api = c.get('api')
  const [repair, today, parts, lastEventId] = await Promise.all([
    api.get<RepairDetail>(`/api/repairs/${encodeURIComponent(repairId)}`),
    workshopToday(api),
    api.get<Part[]>('/api/parts?limit=1000'),
    newestNotification(api),
  ])
  const proposes =
    may(viewer.role, 'POST /api/repairs/{repairId}/proposals') &&
    repair.ok &&
    repair.data.status !== 'completed'
  return c.html(
    <Page
      title={`Repair of ${repair.ok ? repair.data.licenseNumber : repairId}`}
      viewer={viewer}
      current="/repairs"
      scripts={[]}
    >
      <LiveRegion
        id="repair"
        source={`/repairs/${encodeURIComponent(repairId)}/state`}
        label="The repair, as it changes"
        lastEventId={lastEventId}
      >
        <RepairState repair={repair} timeZone={today.timeZone} viewer={viewer} />
      </LiveRegion>
      {proposes && (
        <ProposeForm repairId={repairId} hourlyRate={repair.data.hourlyRate} parts={parts} {...extra} />
      )}
      <p>
        <a href="/repairs">All repairs</a>
      </p>
    </Page>,
    (extra.status ?? (repair.ok ? 200 : repair.status)) as 200,
  )
}

/** The repairs board: start a repair on a planned job, propose extra work, see the answer arrive, complete. */
export function repairPages() {
  return new Hono<WebEnv>()
    .get('/repairs', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const api = c.get('api')
      const today = await workshopToday(api)
      const [repairs, planning, lastEventId] = await Promise.all([
        api.get<RepairRow[]>('/api/repairs?limit=1000'),
        today.known ? api.get<{ jobs: PlannedJob[] }>(`/api/workshop/planning/${today.date}`) : undefined,
        newestNotification(api),
      ])
      const started = new Set(repairs.ok ? repairs.data.map((r) => r.jobId) : [])
      const startable = planning?.ok
        ? planning.data.jobs.filter((j) => j.status === 'planned' && !started.has(j.jobId))
        : []
      const error = c.req.query('error')
      return c.html(
        <Page title="Repairs" viewer={viewer} current="/repairs">
          {may(viewer.role, 'POST /api/repairs') && (
            <section class="card" aria-labelledby="start">
              <h2 id="start">Start a repair</h2>
              {error && <Alert>{error}</Alert>}
              {startable.length === 0 ? (
                <Empty>
                  No planned job of today is waiting for its repair. <a href="/workshop">Plan a job</a> first.
                </Empty>
              ) : (
                <form class="inline" method="post" action="/repairs">
                  <Select
                    name="jobId"
                    label="Today's job"
                    options={startable.map((j) => ({
                      value: j.jobId,
                      label: `${timeInZone(j.startTime, today.timeZone)} ${j.vehicle.licenseNumber}, ${j.customer.name}: ${j.description}`,
                    }))}
                  />
                  <button type="submit">Start repair</button>
                </form>
              )}
            </section>
          )}
          <LiveRegion
            id="board"
            source="/repairs/board"
            label="Repairs, as they change"
            lastEventId={lastEventId}
          >
            <Board repairs={repairs} timeZone={today.timeZone} />
          </LiveRegion>
        </Page>,
      )
    })
    .get('/repairs/board', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const api = c.get('api')
      const [repairs, today] = await Promise.all([
        api.get<RepairRow[]>('/api/repairs?limit=1000'),
        workshopToday(api),
      ])
      return c.html(<Board repairs={repairs} timeZone={today.timeZone} />)
    })
    .post('/repairs', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const { jobId } = await formValues(c.req.raw)
      const answer = await c.get('api').post<{ repairId: string }>('/api/repairs', { jobId })
      if (answer.ok) return c.redirect(`/repairs/${encodeURIComponent(answer.data.repairId)}`, 303)
      return c.redirect(
        `/repairs?error=${encodeURIComponent(answer.problem.detail ?? answer.problem.title)}`,
        303,
      )
    })
    .get('/repairs/:repairId', (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      return repairPage(c, viewer, c.req.param('repairId'))
    })
    .get('/repairs/:repairId/state', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const api = c.get('api')
      const [repair, today] = await Promise.all([
        api.get<RepairDetail>(`/api/repairs/${encodeURIComponent(c.req.param('repairId'))}`),
        workshopToday(api),
      ])
      return c.html(<RepairState repair={repair} timeZone={today.timeZone} viewer={viewer} />)
    })
    .post('/repairs/:repairId/proposals', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const repairId = c.req.param('repairId')
      const values = await formValues(c.req.raw)
      const parts = Array.from({ length: PART_LINES }, (_, i) => ({
        partNumber: values[`part-${i}`] ?? '',
        quantity: Number(values[`quantity-${i}`] ?? '1'),
      })).filter((line) => line.partNumber !== '')
      const hours = values.labourHours?.trim() ?? ''
      const body = {
        description: values.description?.trim(),
        labourHours: hours === '' ? undefined : Number(hours),
        parts,
      }
      const answer = await c.get('api').post(`/api/repairs/${encodeURIComponent(repairId)}/proposals`, body)
      if (answer.ok) return c.redirect(`/repairs/${encodeURIComponent(repairId)}`, 303)
      const errors = errorsOf(answer.problem, proposalRuleFields)
      return repairPage(c, viewer, repairId, { values, errors, status: answer.status })
    })
    .post('/repairs/:repairId/complete', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const repairId = c.req.param('repairId')
      const answer = await c.get('api').post(`/api/repairs/${encodeURIComponent(repairId)}/complete`)
      if (answer.ok) return c.redirect(`/repairs/${encodeURIComponent(repairId)}`, 303)
      return repairPage(c, viewer, repairId, { errors: errorsOf(answer.problem), status: answer.status })
    })
}
