import type { Child } from 'hono/jsx'
import { momentInZone } from '../workshop-time.ts'

/** A repair as `GET /api/repairs/{id}` answers it. */
export interface RepairDetail {
  repairId: string
  jobId: string
  planningDate: string
  customerId: string
  licenseNumber: string
  status: string
  startedAt: string
  completedAt?: string
  proposals: Proposal[]
  /** What an hour of labour costs in a proposal made now. */
  hourlyRate: string
  timeline: { type: string; occurredAt: string; actor: string; data: Record<string, unknown> }[]
}
export interface Price {
  labour: { hours: number; hourlyRate: string; amount: string }
  parts: { partNumber: string; quantity: number; unitPrice: string; amount: string }[]
  total: string
}
export interface Proposal {
  proposalId: string
  description: string
  labourHours: number
  parts: { partNumber: string; quantity: number }[]
  status: string
  price?: Price
  expiresAt?: string
  reason?: string
  shortages?: { partNumber: string; requested?: number; quantity?: number; available: number }[]
}

/** The price of a proposal, line by line. */
export const PriceTable = ({ price, caption }: { price: Price; caption: string }) => (
  <table class="price">
    <caption>{caption}</caption>
    <thead>
      <tr>
        <th scope="col">Item</th>
        <th scope="col" class="num">
          Amount
        </th>
      </tr>
    </thead>
    <tbody>
      <tr>
        <td>
          Labour: {price.labour.hours} h at {price.labour.hourlyRate} an hour
        </td>
        <td class="num">{price.labour.amount}</td>
      </tr>
      {price.parts.map((line) => (
        <tr>
          <td>
            {line.quantity} × {line.partNumber} at {line.unitPrice}
          </td>
          <td class="num">{line.amount}</td>
        </tr>
      ))}
    </tbody>
    <tfoot>
      <tr>
        <th scope="row">Total</th>
        <td class="num">
          <strong>{price.total}</strong>
        </td>
      </tr>
    </tfoot>
  </table>
)

const said: Record<string, (data: Record<string, unknown>) => string> = {
  RepairStarted: () => 'The repair started.',
  ExtraWorkProposed: (d) => `Extra work proposed: ${String(d.description ?? '')}`,
  CustomerApprovalRequested: (d) =>
    `Approval asked for, ${String((d.price as Price | undefined)?.total ?? '')} in total.`,
  ProposalFailed: () => 'The parts for the proposal are not in stock; it was not sent to the customer.',
  RepairApproved: () => 'The customer approved the extra work.',
  RepairRejected: (d) => `The customer rejected the extra work${d.reason ? `: “${String(d.reason)}”` : ''}.`,
  ApprovalExpired: () => 'The approval expired without an answer.',
  RepairCompleted: () => 'The repair is completed.',
}

/** What happened to a repair, oldest first, in words. */
export const Timeline = ({ repair, timeZone }: { repair: RepairDetail; timeZone: string }) => (
  <ol class="timeline">
    {repair.timeline.map((entry) => (
      <li>
        <time datetime={entry.occurredAt}>{momentInZone(entry.occurredAt, timeZone)}</time>
        {(said[entry.type] ?? (() => entry.type))(entry.data)}
      </li>
    ))}
  </ol>
)

/**
 * A region the page refreshes from `source` when a notification arrives, and every 10 s as a backstop
 * for what no notification announces (parts reserved, say) unless `poll` is false (a form inside would
 * lose what is being typed). It opens the viewer's notification stream from after `lastEventId`, the
 * newest the page already reflects, so opening it does not replay the past.
 */
export const LiveRegion = (props: {
  id: string
  source: string
  label: string
  lastEventId: number
  poll?: boolean
  children: Child
}) => (
  <div hx-ext="sse" sse-connect={`/api/notifications/stream?lastEventId=${props.lastEventId}`}>
    <div
      id={props.id}
      hx-get={props.source}
      hx-trigger={props.poll === false ? 'sse:notification' : 'sse:notification, every 10s'}
      hx-swap="innerHTML"
      aria-live="polite"
      aria-label={props.label}
    >
      {props.children}
    </div>
  </div>
)
