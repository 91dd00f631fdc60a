import { serviceWorker } from '../../shared/host/workerd/service-worker.ts'
import { vehiclesService } from './service.ts'

// Vehicles as a workerd module worker (wrangler.toml beside this file).
export default serviceWorker(vehiclesService).worker
