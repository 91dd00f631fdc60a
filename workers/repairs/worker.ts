import { serviceWorker } from '../../shared/host/workerd/service-worker.ts'
import { repairsService } from './service.ts'

// Repairs as a workerd module worker; its consumer group runs from cron and the poller's alarm, and its
// tick (expiring approvals) from cron.
const { worker, ConsumerPoller } = serviceWorker(repairsService)
export { ConsumerPoller }
export default worker
