/**
 * Identical concurrent work done once: the first caller of a key starts it, later callers of the
 * same key wait for the same outcome, and the key is forgotten as soon as the work settles, so
 * nothing is cached. The work belongs to no caller: a caller whose signal aborts stops waiting
 * (its promise rejects with the signal's reason) while the others still get the outcome.
 */
export class Inflight<T> {
  private readonly running = new Map<string, Promise<T>>();

  /** @param onShared called for each caller that waited for another's work instead of starting its own. */
  constructor(private readonly onShared: () => void = () => {}) {}

  /** Keys whose work is running now. */
  get size(): number {
    return this.running.size;
  }

  run(key: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    let shared = this.running.get(key);
    if (shared) {
      this.onShared();
    } else {
      const started = Promise.resolve().then(work);
      shared = started.finally(() => {
        if (this.running.get(key) === shared) this.running.delete(key);
      });
      this.running.set(key, shared);
    }
    return signal ? untilAborted(shared, signal) : shared;
  }
}

/** The outcome of a promise, or the signal's reason if it aborts first; the promise runs on either way. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}
