import { serviceWorker } from '../../shared/host/workerd/service-worker.ts'
import { workshopService } from './service.ts'

// The workshop as a workerd module worker; its consumer group runs from cron and the poller's alarm.
const { worker, ConsumerPoller } = serviceWorker(workshopService)
export { ConsumerPoller }
export default worker
