import { Hono } from 'hono'
import { may } from '../access.ts'
import { errorsOf, FormError, formValues, Input, PostForm, type Errors } from '../forms.tsx'
import { DataTable, Empty, Page, Unavailable, type Viewer } from '../layout.tsx'
import { viewerOr, type WebContext, type WebEnv } from '../web-env.ts'
import { momentInZone, workshopToday } from '../workshop-time.ts'

interface Part {
  partNumber: string
  name: string
  unitPrice: string
  onHand: number
  reserved: number
  available: number
}
type Lot = { lotId: string; receivedAt: string; quantity: number; reserved: number; taken: number }

const Stock = ({ part }: { part: Part }) => (
  <>
    <td class="num">{part.onHand}</td>
    <td class="num">{part.reserved}</td>
    <td class="num">{part.available}</td>
  </>
)

async function catalogue(
  c: WebContext,
  viewer: Viewer,
  values: Record<string, string> = {},
  errors?: Errors,
  status = 200,
) {
  const parts = await c.get('api').get<Part[]>('/api/parts?limit=1000')
  return c.html(
    <Page title="Parts" viewer={viewer} current="/parts">
      {!parts.ok ? (
        <Unavailable what="The catalogue" reason={parts.problem.title} />
      ) : parts.data.length === 0 ? (
        <Empty>
          The catalogue is empty. {may(viewer.role, 'POST /api/parts') && 'Add the first part below.'}
        </Empty>
      ) : (
        <DataTable
          wide
          caption="Parts with their stock"
          columns={[
            'Part number',
            'Name',
            { num: 'Unit price' },
            { num: 'On hand' },
            { num: 'Reserved' },
            { num: 'Available' },
          ]}
        >
          {parts.data.map((part) => (
            <tr>
              <td>
                <a href={`/parts/${encodeURIComponent(part.partNumber)}`}>{part.partNumber}</a>
              </td>
              <td>{part.name}</td>
              <td class="num">{part.unitPrice}</td>
              <Stock part={part} />
            </tr>
          ))}
        </DataTable>
      )}
      {may(viewer.role, 'POST /api/parts') && (
        <PostForm card heading="Add a part" action="/parts" errors={errors} submit="Add part">
          <Input
            name="partNumber"
            label="Part number"
            hint="Letters, digits and dashes, as BP-1044"
            value={values.partNumber}
            errors={errors}
          />
          <Input name="name" label="Name" value={values.name} errors={errors} />
          <Input
            name="unitPrice"
            label="Unit price"
            hint="Such as 12.50"
            value={values.unitPrice}
            errors={errors}
          />
        </PostForm>
      )}
    </Page>,
    status as 200,
  )
}

async function partPage(c: WebContext, viewer: Viewer, partNumber: string, errors?: Errors, status = 200) {
  const api = c.get('api')
  const [part, today] = await Promise.all([
    api.get<Part & { lots: Lot[] }>(`/api/parts/${encodeURIComponent(partNumber)}`),
    workshopToday(api),
  ])
  return c.html(
    <Page
      title={part.ok ? `${part.data.partNumber} ${part.data.name}` : partNumber}
      viewer={viewer}
      current="/parts"
    >
      {!part.ok ? (
        <Unavailable what="The part" reason={part.problem.detail ?? part.problem.title} />
      ) : (
        <>
          <p>
            {part.data.unitPrice} each; {part.data.onHand} on hand, {part.data.reserved} reserved,{' '}
            {part.data.available} available.
          </p>
          <h2>Lots, oldest first</h2>
          {part.data.lots.length === 0 ? (
            <Empty>No lot received yet.</Empty>
          ) : (
            <DataTable
              caption={`Lots of ${part.data.partNumber}`}
              columns={['Received', { num: 'Quantity' }, { num: 'Reserved' }, { num: 'Taken' }]}
            >
              {part.data.lots.map((lot) => (
                <tr>
                  <td>{momentInZone(lot.receivedAt, today.timeZone)}</td>
                  <td class="num">{lot.quantity}</td>
                  <td class="num">{lot.reserved}</td>
                  <td class="num">{lot.taken}</td>
                </tr>
              ))}
            </DataTable>
          )}
          {may(viewer.role, 'POST /api/parts/{partNumber}/lots') && (
            <form
              class="inline card"
              method="post"
              action={`/parts/${encodeURIComponent(part.data.partNumber)}/lots`}
            >
              <FormError errors={errors} />
              <input type="hidden" name="key" value={c.get('newId')()} />
              <Input
                name="quantity"
                label="Receive a lot of"
                type="number"
                step="1"
                min="1"
                errors={errors}
              />
              <button type="submit">Receive lot</button>
            </form>
          )}
        </>
      )}
      <p>
        <a href="/parts">All parts</a>
      </p>
    </Page>,
    status as 200,
  )
}

/** The parts catalogue with stock per lot; adding a part and receiving a lot are the manager's. */
export function partsPages() {
  return new Hono<WebEnv>()
    .get('/parts', (c) => {
      const viewer = viewerOr(c)
      return viewer instanceof Response ? viewer : catalogue(c, viewer)
    })
    .post('/parts', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const values = await formValues(c.req.raw)
      const body = {
        partNumber: values.partNumber?.trim(),
        name: values.name?.trim(),
        unitPrice: values.unitPrice?.trim(),
      }
      const answer = await c.get('api').post<Part>('/api/parts', body)
      if (answer.ok) return c.redirect(`/parts/${encodeURIComponent(answer.data.partNumber)}`, 303)
      return catalogue(
        c,
        viewer,
        values,
        errorsOf(answer.problem, { 'part-number-unique': 'partNumber' }),
        answer.status,
      )
    })
    .get('/parts/:partNumber', (c) => {
      const viewer = viewerOr(c)
      return viewer instanceof Response ? viewer : partPage(c, viewer, c.req.param('partNumber'))
    })
    .post('/parts/:partNumber/lots', async (c) => {
      const viewer = viewerOr(c)
      if (viewer instanceof Response) return viewer
      const partNumber = c.req.param('partNumber')
      const values = await formValues(c.req.raw)
      const quantity = values.quantity?.trim() ? Number(values.quantity) : undefined
      const answer = await c
        .get('api')
        .post(
          `/api/parts/${encodeURIComponent(partNumber)}/lots`,
          { quantity },
          values.key ? { 'idempotency-key': values.key } : {},
        )
      if (answer.ok) return c.redirect(`/parts/${encodeURIComponent(partNumber)}`, 303)
      return partPage(c, viewer, partNumber, errorsOf(answer.problem), answer.status)
    })
}
