/**
 * Whether `promise` settles within `ms` (its failure counts as settling): for waits that must end,
 * such as a shutdown while Redis does not answer.
 *
 * @example
 * if (!(await settlesWithin(loop, 1_000))) await bus.close()
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ])
  clearTimeout(timer)
  return settled
}
