/**
 * A close() that runs `close` the first time and hands every later caller the same promise, so
 * closing twice (or concurrently) is safe and never runs a cleanup step twice.
 */
export function closeOnce(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}
