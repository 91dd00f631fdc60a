import { serviceWorker } from '../../shared/host/workerd/service-worker.ts'
import { insightsService } from './service.ts'

// Insights as a workerd module worker; its consumer group runs from cron and the poller's alarm.
const { worker, ConsumerPoller } = serviceWorker(insightsService)
export { ConsumerPoller }
export default worker
