import { Hono } from 'hono'
import { Input } from '../forms.tsx'
import { DataTable, Page, Unavailable } from '../layout.tsx'
import { viewerOr, type WebEnv } from '../web-env.ts'

type Percentiles = { p50: number | null; p90: number | null }
interface Figures {
  approvals: {
    requested: number
    approved: number
    rejected: number
    expired: number
    approvalRate: number | null
    approvalTimeSeconds: Percentiles
    reactionTimeSeconds: Percentiles
  }
  jobs: {
    planned: number
    finished: number
    utilisation: number
    averagePlannedMinutes: number | null
    averageActualMinutes: number | null
  }
}
type Summary = Figures & { from: string; to: string; timeZone: string }
type Daily = { from: string; to: string; days: (Figures & { date: string })[] }

const minutes = (seconds: number | null) => (seconds === null ? '–' : `${Math.round(seconds / 6) / 10} min`)
const percent = (ratio: number | null) => (ratio === null ? '–' : `${Math.round(ratio * 1000) / 10}%`)
const DAY = /^\d{4}-\d{2}-\d{2}$/

const Figure = ({ label, value }: { label: string; value: string | number }) => (
  <div class="figure">
    {label}
    <strong>{value}</strong>
  </div>
)

/**
 * A chart drawn by the page's script from `series` (one line or bar per series, a value per day), with
 * the same numbers as a table for whoever does not see the chart.
 */
function Chart({
  id,
  title,
  kind,
  days,
  series,
  unit,
}: {
  id: string
  title: string
  kind: 'line' | 'bar'
  days: string[]
  series: { label: string; values: (number | null)[] }[]
  unit: string
}) {
  const config = JSON.stringify({ kind, labels: days, series, unit })
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <div class="chart">
        <canvas
          data-chart={config}
          role="img"
          aria-label={`${title}, per day; the numbers are in the table below`}
        ></canvas>
      </div>
      <details>
        <summary>The numbers</summary>
        <DataTable
          wide
          caption={title}
          columns={['Day', ...series.map((s) => ({ num: `${s.label} (${unit})` }))]}
        >
          {days.map((day, i) => (
            <tr>
              <td>{day}</td>
              {series.map((s) => (
                <td class="num">{s.values[i] ?? '–'}</td>
              ))}
            </tr>
          ))}
        </DataTable>
      </details>
    </section>
  )
}

/** The manager's dashboard: how fast customers answer, how many approve, how busy the workstations are. */
export function insightsPages() {
  return new Hono<WebEnv>().get('/insights', async (c) => {
    const viewer = viewerOr(c)
    if (viewer instanceof Response) return viewer
    const range = new URLSearchParams()
    for (const name of ['from', 'to']) {
      const day = c.req.query(name)
      if (day && DAY.test(day)) range.set(name, day)
    }
    const api = c.get('api')
    const summary = await api.get<Summary>(`/api/insights/summary?${range}`)
    const daily = summary.ok
      ? await api.get<Daily>(`/api/insights/daily?from=${summary.data.from}&to=${summary.data.to}`)
      : summary
    const toMinutes = (s: number | null) => (s === null ? null : Math.round(s / 6) / 10)
    return c.html(
      <Page title="Insights" viewer={viewer} current="/insights" scripts={['/assets/chart.umd.js']}>
        <form class="inline" method="get" action="/insights">
          <Input
            name="from"
            label="From"
            type="date"
            required={false}
            value={summary.ok ? summary.data.from : (range.get('from') ?? '')}
          />
          <Input
            name="to"
            label="To"
            type="date"
            required={false}
            value={summary.ok ? summary.data.to : (range.get('to') ?? '')}
          />
          <button type="submit" class="secondary">
            Show
          </button>
        </form>
        {!summary.ok ? (
          <Unavailable what="The figures" reason={summary.problem.detail ?? summary.problem.title} />
        ) : (
          <>
            <p class="hint">
              {summary.data.from} to {summary.data.to}, days in {summary.data.timeZone}.
            </p>
            <div class="figures" id="summary">
              <Figure label="Approvals asked" value={summary.data.approvals.requested} />
              <Figure label="Approved" value={summary.data.approvals.approved} />
              <Figure label="Rejected" value={summary.data.approvals.rejected} />
              <Figure label="Expired" value={summary.data.approvals.expired} />
              <Figure label="Approval rate" value={percent(summary.data.approvals.approvalRate)} />
              <Figure
                label="Time to answer (median)"
                value={minutes(summary.data.approvals.approvalTimeSeconds.p50)}
              />
              <Figure
                label="Time to read (median)"
                value={minutes(summary.data.approvals.reactionTimeSeconds.p50)}
              />
              <Figure label="Jobs planned" value={summary.data.jobs.planned} />
              <Figure label="Jobs finished" value={summary.data.jobs.finished} />
              <Figure label="Utilisation" value={percent(summary.data.jobs.utilisation)} />
            </div>
            {!daily.ok ? (
              <Unavailable what="The figures per day" reason={daily.problem.title} />
            ) : (
              <div class="grid">
                <Chart
                  id="chart-times"
                  title="Approval and reaction times"
                  kind="line"
                  unit="minutes"
                  days={daily.data.days.map((d) => d.date)}
                  series={[
                    {
                      label: 'Time to answer, median',
                      values: daily.data.days.map((d) => toMinutes(d.approvals.approvalTimeSeconds.p50)),
                    },
                    {
                      label: 'Time to read, median',
                      values: daily.data.days.map((d) => toMinutes(d.approvals.reactionTimeSeconds.p50)),
                    },
                  ]}
                />
                <Chart
                  id="chart-rate"
                  title="Approval rate"
                  kind="bar"
                  unit="%"
                  days={daily.data.days.map((d) => d.date)}
                  series={[
                    {
                      label: 'Approved',
                      values: daily.data.days.map((d) =>
                        d.approvals.approvalRate === null
                          ? null
                          : Math.round(d.approvals.approvalRate * 1000) / 10,
                      ),
                    },
                  ]}
                />
                <Chart
                  id="chart-utilisation"
                  title="Utilisation"
                  kind="bar"
                  unit="%"
                  days={daily.data.days.map((d) => d.date)}
                  series={[
                    {
                      label: 'Booked of capacity',
                      values: daily.data.days.map((d) => Math.round(d.jobs.utilisation * 1000) / 10),
                    },
                  ]}
                />
              </div>
            )}
          </>
        )}
      </Page>,
    )
  })
}
