import { defineService } from '../../shared/service.ts'
import { access } from './access.ts'
import { createPartsApp } from './app.ts'
import { PARTS_GROUP, reservationsConsumer } from './consumer.ts'

/**
 * The parts service keeps the catalogue and its stock in lots, and answers every proposal of extra work
 * with a reservation (event-sourced `Reservation`, one per proposal): reserved from the oldest lots on
 * the proposal, committed on approval, released on rejection or expiry.
 */
export const partsService = defineService({
  name: 'parts',
  access,
  create: (deps) => ({
    app: createPartsApp(deps),
    consumers: [
      {
        group: PARTS_GROUP,
        reads: ['repairs'],
        handle: reservationsConsumer(deps),
        // The lots are not a read model: reservations decide on them, so emptying them would lose stock.
        readModel: [],
        // A reservation reads the stock as committed: an event releasing parts earlier in the same batch
        // (an expiry committed with the next proposal) would not count yet, and the proposal fall short.
        batchSize: 1,
      },
    ],
  }),
})
