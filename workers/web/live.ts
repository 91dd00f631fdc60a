import type { Api } from './api.ts'

/** The newest notification sequence the viewer can see now (0 without any), where a live page starts. */
export async function newestNotification(api: Api): Promise<number> {
  const newest = await api.get<{ sequence: number }[]>('/api/notifications?limit=1')
  return newest.ok ? (newest.data[0]?.sequence ?? 0) : 0
}
