import { serviceWorker } from '../../shared/host/workerd/service-worker.ts'
import { authService } from './service.ts'

// The auth service as a workerd module worker (wrangler.toml beside this file).
export default serviceWorker(authService).worker
