import type { notifications } from './schema.ts'

type Row = typeof notifications.$inferSelect

/** A notification as the API shows it; `sequence` is where a live stream resumes after it. */
export const notificationView = ({ causeId: _, details, ...row }: Row) => ({
  ...row,
  details: JSON.parse(details) as Record<string, unknown>,
})
