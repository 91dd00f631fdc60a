import { defineService } from '../../shared/service.ts'
import { access } from './access.ts'
import { createInsightsApp } from './app.ts'
import { INSIGHTS_GROUP, insightsConsumer } from './consumer.ts'
import { approvals, jobs } from './schema.ts'
import { InsightsSettings } from './settings.ts'

/**
 * Figures for the workshop manager: how approvals of extra work go (how many, how fast customers react
 * and answer, how many say yes), and how the workshop's jobs go (planned against actual, utilisation).
 * Its consumer group keeps the facts of each approval and job; the figures are computed when asked.
 */
export const insightsService = defineService({
  name: 'insights',
  access,
  settings: InsightsSettings,
  create: (deps) => ({
    app: createInsightsApp(deps),
    consumers: [
      {
        group: INSIGHTS_GROUP,
        reads: ['workshop', 'repairs', 'notifications'],
        handle: insightsConsumer(deps.db),
        // Facts only, each a function of the events: a rebuild replays history into the same rows.
        readModel: [approvals, jobs],
      },
    ],
  }),
})
