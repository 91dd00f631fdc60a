import { eq } from 'drizzle-orm'
import type { Db } from './database.ts'
import { kernelMeta } from './kernel-schema.ts'

/**
 * The database's origin: a random id made when it was created (see `kernelMeta`). A copy restored
 * from a backup has the same one; another deployment's database has its own.
 */
export async function databaseOrigin(db: Db): Promise<string> {
  const read = async () => (await db.select().from(kernelMeta).where(eq(kernelMeta.key, 'origin')))[0]?.value
  const origin = await read()
  if (origin) return origin
  // Migrations give every database an origin; this covers a database made before they did.
  await db.insert(kernelMeta).values({ key: 'origin', value: crypto.randomUUID() }).onConflictDoNothing()
  return (await read())!
}
