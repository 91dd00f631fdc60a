// The few workerd types the entries use, declared here rather than pulling @cloudflare/workers-types'
// globals into a program that also type-checks against Node's.

export interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void
}

/** A service binding, or a Durable Object stub. */
export interface Fetcher {
  fetch(input: string | Request, init?: RequestInit): Promise<Response>
}

export interface DurableObjectNamespace {
  idFromName(name: string): unknown
  get(id: unknown): Fetcher
}

export interface DurableObjectState {
  storage: {
    getAlarm(): Promise<number | null>
    setAlarm(scheduledTime: number): Promise<void>
  }
}
