import { Hono } from 'hono'
import type { Api, Answer } from '../api.ts'
import { errorsOf, FormError, formValues, TextArea, type Errors } from '../forms.tsx'
import { Empty, Page, Status, Unavailable, type Viewer } from '../layout.tsx'
import { viewerOr, type WebContext, type WebEnv } from '../web-env.ts'
import { momentInZone } from '../workshop-time.ts'
import { LiveRegion, PriceTable, Timeline, type RepairDetail } from './repair-views.tsx'

interface Notification {
  sequence: number
  notificationId: string
  kind: string
  repairId?: string | null
  subject: string
  text: string
  sentAt: string
  readAt: string | null
}

/** Customers see their times in the workshop's zone; the clock says which only to staff, so UTC here. */
const timeZone = 'UTC'
const SHOWN_REPAIRS = 5

/** The customer's notifications, newest first, and the repairs they are about (the newest few). */
async function portalData(api: Api) {
  const notifications = await api.get<Notification[]>('/api/notifications?limit=100')
  const repairIds = notifications.ok
    ? [...new Set(notifications.data.flatMap((n) => (n.repairId ? [n.repairId] : [])))].slice(
        0,
        SHOWN_REPAIRS,
      )
    : []
  const repairs = await Promise.all(
    repairIds.map((id) => api.get<RepairDetail>(`/api/repairs/${encodeURIComponent(id)}`)),
  )
  // Shown is read: the first read is what the garage's reaction times count from.
  if (notifications.ok)
    await Promise.all(
      notifications.data
        .filter((n) => n.readAt === null)
        .map((n) => api.post(`/api/notifications/${encodeURIComponent(n.notificationId)}/read`)),
    )
  return { notifications, repairs }
}

function Decision({ repair, errors }: { repair: RepairDetail; errors?: Errors | undefined }) {
  const proposal = repair.proposals.at(-1)
  if (!proposal || proposal.status !== 'awaiting-approval' || !proposal.price) return null
  const base = `/portal/repairs/${encodeURIComponent(repair.repairId)}`
  return (
    <section class="card" aria-labelledby={`ask-${repair.repairId}`}>
      <h3 id={`ask-${repair.repairId}`}>Your approval is needed</h3>
      <p>{proposal.description}</p>
      <PriceTable price={proposal.price} caption="The price of the extra work" />
      {proposal.expiresAt && (
        <p class="hint">Please answer before {momentInZone(proposal.expiresAt, timeZone)} UTC.</p>
      )}
      <FormError errors={errors} />
      <form method="post" action={`${base}/approve`}>
        <input type="hidden" name="proposalId" value={proposal.proposalId} />
        <button type="submit">Approve the extra work</button>
      </form>
      <form class="stack" method="post" action={`${base}/reject`}>
        <input type="hidden" name="proposalId" value={proposal.proposalId} />
        <TextArea name="reason" label="Or reject it, saying why" errors={errors} />
        <div>
          <button type="submit" class="danger">
            Reject the extra work
          </button>
        </div>
      </form>
    </section>
  )
}

function Portal({ data, errors }: { data: Awaited<ReturnType<typeof portalData>>; errors?: Errors }) {
  const { notifications, repairs } = data
  if (!notifications.ok) return <Unavailable what="Your repairs" reason={notifications.problem.title} />
  return (
    <>
      {repairs.length === 0 ? (
        <Empty>There is no repair of yours under way. The garage lets you know here when there is.</Empty>
      ) : (
        repairs.map((repair: Answer<RepairDetail>) =>
          repair.ok ? (
            <section aria-labelledby={`repair-${repair.data.repairId}`}>
              <h2 id={`repair-${repair.data.repairId}`}>
                Repair of {repair.data.licenseNumber} <Status status={repair.data.status} />
              </h2>
              <Decision repair={repair.data} errors={errors} />
              <Timeline repair={repair.data} timeZone={timeZone} />
            </section>
          ) : (
            <Unavailable what="A repair" reason={repair.problem.title} />
          ),
        )
      )}
      <h2>Messages from the garage</h2>
      {notifications.data.length === 0 ? (
        <Empty>No messages yet.</Empty>
      ) : (
        <ul>
          {notifications.data.map((n) => (
            <li>
              <strong>{n.subject}</strong> <span class="hint">{momentInZone(n.sentAt, timeZone)} UTC</span>
              <p class="message">{n.text}</p>
            </li>
          ))}
        </ul>
      )}
    </>
  )
}

async function portalPage(c: WebContext, viewer: Viewer, errors?: Errors, status = 200) {
  const data = await portalData(c.get('api'))
  const newest = data.notifications.ok ? (data.notifications.data[0]?.sequence ?? 0) : 0
  return c.html(
    <Page title="Your repair" viewer={viewer}>
      <LiveRegion
        id="portal"
        source="/portal/live"
        label="Your repairs and messages, as they arrive"
        lastEventId={newest}
        poll={false}
      >
        <Portal data={data} errors={errors} />
      </LiveRegion>
    </Page>,
    status as 200,
  )
}

/** The customer's portal, opened from their personal link: their repairs, the garage's questions, the answers. */
export function portalPages() {
  const answer = (decision: 'approve' | 'reject') =>
    async function (c: WebContext) {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const values = await formValues(c.req.raw)
      const body =
        decision === 'approve'
          ? { proposalId: values.proposalId }
          : { proposalId: values.proposalId, reason: values.reason?.trim() }
      const path = `/api/repairs/${encodeURIComponent(c.req.param('repairId') ?? '')}/${decision}`
      const answered = await c.get('api').post(path, body)
      if (answered.ok) return c.redirect('/portal', 303)
      return portalPage(c, viewer, errorsOf(answered.problem), answered.status)
    }
  return new Hono<WebEnv>()
    .get('/portal', (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      return portalPage(c, viewer)
    })
    .get('/portal/live', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      return c.html(<Portal data={await portalData(c.get('api'))} />)
    })
    .post('/portal/repairs/:repairId/approve', answer('approve'))
    .post('/portal/repairs/:repairId/reject', answer('reject'))
}
