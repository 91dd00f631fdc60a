import { Hono } from 'hono'
import { may } from '../access.ts'
import { errorsOf, formValues, PostForm, TextArea, type Errors } from '../forms.tsx'
import { DataTable, Empty, Page, Status, Unavailable, type Viewer } from '../layout.tsx'
import { viewerOr, type WebContext, type WebEnv } from '../web-env.ts'
import { momentInZone, workshopToday } from '../workshop-time.ts'

interface Conversation {
  repairId: string
  customerId: string
  mechanic?: string | null
  licenseNumber?: string | null
  status: string
  startedAt?: string | null
  waitingSince: string | null
  waitingSeconds: number | null
}
interface Entry {
  eventId: string
  occurredAt: string
  kind: string
  who: string
  text: string
  readAt?: string | null
  notificationId?: string
}

/** `3725` seconds as `1 h 2 min`. */
export function waitingTime(seconds: number): string {
  const minutes = Math.floor(seconds / 60)
  if (minutes < 1) return `${seconds} s`
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  return hours < 24 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} d ${hours % 24} h`
}

const ConversationTable = ({
  list,
  caption,
  waiting,
}: {
  list: Conversation[]
  caption: string
  waiting?: boolean
}) => (
  <DataTable
    caption={caption}
    columns={['Vehicle', 'Customer', 'Status', ...(waiting ? ['Waiting for'] : [])]}
  >
    {list.map((c) => (
      <tr>
        <td>
          <a href={`/support/${encodeURIComponent(c.repairId)}`}>{c.licenseNumber ?? c.repairId}</a>
        </td>
        <td>{c.customerId}</td>
        <td>
          <Status status={c.status} />
        </td>
        {waiting && <td>{c.waitingSeconds === null ? '' : waitingTime(c.waitingSeconds)}</td>}
      </tr>
    ))}
  </DataTable>
)

async function conversationPage(
  c: WebContext,
  viewer: Viewer,
  repairId: string,
  errors?: Errors,
  status = 200,
) {
  const api = c.get('api')
  const [conversation, today] = await Promise.all([
    api.get<Conversation & { entries: Entry[]; totalEntries: number }>(
      `/api/support/conversations/${encodeURIComponent(repairId)}?limit=1000`,
    ),
    workshopToday(api),
  ])
  return c.html(
    <Page
      title={`Conversation about ${conversation.ok ? (conversation.data.licenseNumber ?? repairId) : repairId}`}
      viewer={viewer}
      current="/support"
    >
      {!conversation.ok ? (
        <Unavailable
          what="The conversation"
          reason={conversation.problem.detail ?? conversation.problem.title}
        />
      ) : (
        <>
          <p>
            <Status status={conversation.data.status} /> Customer {conversation.data.customerId}
            {conversation.data.mechanic && `, mechanic ${conversation.data.mechanic}`}
          </p>
          {conversation.data.entries.length === 0 ? (
            <Empty>Nothing said yet.</Empty>
          ) : (
            <ol class="timeline">
              {conversation.data.entries.map((entry) => (
                <li>
                  <time datetime={entry.occurredAt}>{momentInZone(entry.occurredAt, today.timeZone)}</time>
                  <strong>{entry.who}</strong>: {entry.text}
                  {entry.notificationId !== undefined && (
                    <span class="hint">
                      {' '}
                      {entry.readAt
                        ? `(read ${momentInZone(entry.readAt, today.timeZone)})`
                        : '(not read yet)'}
                    </span>
                  )}
                </li>
              ))}
            </ol>
          )}
        </>
      )}
      {may(viewer.role, 'POST /api/support/conversations/{repairId}/messages') && conversation.ok && (
        <PostForm
          card
          action={`/support/${encodeURIComponent(repairId)}/messages`}
          errors={errors}
          submit="Send message"
        >
          <input type="hidden" name="key" value={c.get('newId')()} />
          <TextArea name="text" label="Write to the customer" maxlength={2000} errors={errors} />
        </PostForm>
      )}
      <p>
        <a href="/support">All conversations</a>
      </p>
    </Page>,
    status as 200,
  )
}

/** Support's desk: the waiting list with waiting times, every conversation, writing to a customer. */
export function supportPages() {
  return new Hono<WebEnv>()
    .get('/support', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const api = c.get('api')
      const [waiting, open, closed] = await Promise.all(
        ['waiting', 'open', 'closed'].map((status) =>
          api.get<Conversation[]>(`/api/support/conversations?status=${status}&limit=100`),
        ),
      )
      const section = (title: string, answer: typeof waiting, empty: string, isWaiting = false) => (
        <section aria-labelledby={`s-${title}`}>
          <h2 id={`s-${title}`}>{title}</h2>
          {!answer!.ok ? (
            <Unavailable what={`The ${title.toLowerCase()}`} reason={answer!.problem.title} />
          ) : answer!.data.length === 0 ? (
            <Empty>{empty}</Empty>
          ) : (
            <ConversationTable list={answer!.data} caption={title} waiting={isWaiting} />
          )}
        </section>
      )
      return c.html(
        <Page title="Support" viewer={viewer} current="/support">
          {section('Waiting for the customer', waiting, 'No customer has an approval to give.', true)}
          {section('Open', open, 'No open conversations.')}
          {section('Closed', closed, 'No closed conversations yet.')}
        </Page>,
      )
    })
    .get('/support/:repairId', (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      return conversationPage(c, viewer, c.req.param('repairId'))
    })
    .post('/support/:repairId/messages', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const repairId = c.req.param('repairId')
      const values = await formValues(c.req.raw)
      const answer = await c
        .get('api')
        .post(
          `/api/support/conversations/${encodeURIComponent(repairId)}/messages`,
          { text: values.text?.trim() },
          values.key ? { 'idempotency-key': values.key } : {},
        )
      if (answer.ok) return c.redirect(`/support/${encodeURIComponent(repairId)}`, 303)
      return conversationPage(c, viewer, repairId, errorsOf(answer.problem), answer.status)
    })
}
