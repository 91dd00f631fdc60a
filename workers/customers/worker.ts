import { serviceWorker } from '../../shared/host/workerd/service-worker.ts'
import { customersService } from './service.ts'

// Customers as a workerd module worker (wrangler.toml beside this file).
export default serviceWorker(customersService).worker
