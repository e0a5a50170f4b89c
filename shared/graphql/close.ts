/** Runs every cleanup step in order even when one throws, then reports all failures together. */
export async function closeAll(steps: Array<() => Promise<unknown> | unknown>): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, 'several cleanup steps failed');
}

/**
 * A close() that runs `close` the first time and hands every later caller the same promise, so
 * closing twice (or concurrently) is safe and never runs a cleanup step twice.
 */
export function closeOnce(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}
