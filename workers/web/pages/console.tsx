import { Hono } from 'hono'
import type { GroupHealth } from '../../../shared/consumer/consumer-group.ts'
import type { DeadLetterView } from '../../../shared/consumer/dead-letters.ts'
import type { HostHealth, ServiceHealth } from '../../../shared/host/health.ts'
import type { Answer } from '../api.ts'
import { DataTable, Empty, Page, Status, Unavailable } from '../layout.tsx'
import { viewerOr, type WebEnv } from '../web-env.ts'

type Report = Required<HostHealth> & { status: string }

const age = (ms: number | undefined) =>
  ms === undefined ? '–' : ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`

/** `/health` as the manager gets it: a 503 (events stopped somewhere) still carries the whole report. */
function reportOf(answer: Answer<Report>): Report | string {
  if (answer.ok) return answer.data
  const body = answer.problem as unknown as Partial<Report>
  return body.services ? (body as Report) : answer.problem.title
}

const Groups = ({ service, groups }: { service: string; groups: GroupHealth[] }) => (
  <>
    {groups.flatMap((group) =>
      (group.streams ?? []).map((s) => (
        <tr>
          <td>{service}</td>
          <td>{group.group}</td>
          <td>{s.stream}</td>
          <td class="num">{s.length}</td>
          <td class="num">{s.lastSeq}</td>
          <td class="num">{s.lag}</td>
          <td class="num">{s.pending}</td>
          <td class="num">{age(s.oldestPendingMs)}</td>
          <td>
            {s.consumers.map((c) => `${c.name} (${c.pending} pending, idle ${age(c.idleMs)})`).join('; ') ||
              'none'}
          </td>
        </tr>
      )),
    )}
  </>
)

/** The groups' dead letters, each service's with a button to apply them again; one line when there are none. */
function DeadLetters({ letters }: { letters: (readonly [string, Answer<{ letters: DeadLetterView[] }>])[] }) {
  const shown = letters.filter(([, answer]) => !answer.ok || answer.data.letters.length > 0)
  if (shown.length === 0)
    return <Empty>None: every consumer group has applied every event it was given.</Empty>
  return (
    <>
      {shown.map(([name, answer]) => (
        <section class="card" aria-labelledby={`dl-${name}`}>
          <h3 id={`dl-${name}`}>{name}</h3>
          {!answer.ok ? (
            <Unavailable what="Its dead letters" reason={answer.problem.title} />
          ) : (
            <>
              <ul>
                {answer.data.letters.map((l) => (
                  <li>
                    {l.stream} {l.entryId} {l.type ?? ''}: {l.error ?? 'no error recorded'} (
                    {l.deliveries ?? '?'} deliveries)
                  </li>
                ))}
              </ul>
              <form method="post" action={`/console/${encodeURIComponent(name)}/redrive`}>
                <button type="submit">Re-drive the dead letters of {name}</button>
              </form>
            </>
          )}
        </section>
      ))}
    </>
  )
}

/** The operator console: streams, consumer groups, outboxes and dead letters, from `/health` and the dead-letter desks. */
export function consolePages() {
  return new Hono<WebEnv>()
    .get('/console', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const api = c.get('api')
      const report = reportOf(await api.get<Report>('/health'))
      const services = typeof report === 'string' || !report.services ? [] : Object.entries(report.services)
      const withGroups = services.filter(([, s]) => s.consumers.length > 0).map(([name]) => name)
      const letters = await Promise.all(
        withGroups.map(
          async (name) =>
            [name, await api.get<{ letters: DeadLetterView[] }>(`/api/${name}/dead-letters`)] as const,
        ),
      )
      const redriven = c.req.query('redriven')
      return c.html(
        <Page title="Console" viewer={viewer} current="/console">
          {redriven && (
            <p class="notice good" role="status">
              {redriven}
            </p>
          )}
          {typeof report === 'string' ? (
            <Unavailable what="The health report" reason={report} />
          ) : !report.services ? (
            <Unavailable what="The health report" reason="only the manager sees its details" />
          ) : (
            <>
              <p>
                System: <Status status={report.status} /> Redis: {report.redis}
              </p>
              <h2>Services</h2>
              <DataTable
                caption="Each service's database, outbox and problems"
                columns={['Service', 'Status', 'Database', { num: 'Outbox lag (events)' }, 'Problems']}
              >
                {services.map(([name, s]: [string, ServiceHealth]) => (
                  <tr>
                    <td>{name}</td>
                    <td>
                      <Status status={s.status} />
                    </td>
                    <td>{s.database}</td>
                    <td class="num">{s.unpublishedEvents ?? '–'}</td>
                    <td>{s.problems.join('; ') || 'none'}</td>
                  </tr>
                ))}
              </DataTable>
              <h2>Consumer groups</h2>
              <DataTable
                id="groups"
                wide
                caption="Each consumer group on each stream it reads"
                columns={[
                  'Service',
                  'Group',
                  'Stream',
                  { num: 'Length' },
                  { num: 'Last id' },
                  { num: 'Lag' },
                  { num: 'Pending' },
                  { num: 'Oldest pending' },
                  'Consumers',
                ]}
              >
                {services.map(([name, s]) => (
                  <Groups service={name} groups={s.consumers} />
                ))}
              </DataTable>
            </>
          )}
          <h2>Dead letters</h2>
          <DeadLetters letters={letters} />
        </Page>,
      )
    })
    .post('/console/:service/redrive', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const service = c.req.param('service')
      if (!/^[a-z]+$/.test(service)) return c.redirect('/console', 303)
      const answer = await c.get('api').post<{ remaining: number }>(`/api/${service}/dead-letters/redrive`)
      const remaining = answer.ok
        ? answer.data.remaining
        : (answer.problem as unknown as { remaining?: number }).remaining
      const said =
        remaining === undefined
          ? `Re-drive of ${service} failed: ${answer.ok ? '' : answer.problem.title}`
          : `${service}: ${remaining} dead letters still fail.`
      return c.redirect(`/console?redriven=${encodeURIComponent(said)}`, 303)
    })
}
