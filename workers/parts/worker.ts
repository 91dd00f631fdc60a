import { serviceWorker } from '../../shared/host/workerd/service-worker.ts'
import { partsService } from './service.ts'

// The parts service as a workerd module worker; its consumer group runs from cron and the poller's alarm.
const { worker, ConsumerPoller } = serviceWorker(partsService)
export { ConsumerPoller }
export default worker
