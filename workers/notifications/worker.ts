import { serviceWorker } from '../../shared/host/workerd/service-worker.ts'
import { notificationsService } from './service.ts'

// Notifications as a workerd module worker; its consumer group runs from cron and the poller's alarm,
// and each live stream looks for new notifications every second.
const { worker, ConsumerPoller } = serviceWorker(notificationsService)
export { ConsumerPoller }
export default worker
