import { serviceWorker } from '../../shared/host/workerd/service-worker.ts'
import { clockService } from './service.ts'

// The clock as a workerd module worker; its cron trigger records the days that passed.
export default serviceWorker(clockService).worker
