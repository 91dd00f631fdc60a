import { serviceWorker } from '../../shared/host/workerd/service-worker.ts'
import { supportService } from './service.ts'

// Support as a workerd module worker; its consumer group runs from cron and the poller's alarm.
const { worker, ConsumerPoller } = serviceWorker(supportService)
export { ConsumerPoller }
export default worker
