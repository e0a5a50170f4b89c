import type { ExecutionResult, GraphQLError } from 'graphql';

/**
 * Wraps a subscription's event source so it lives no longer than its token: at `expiresAt` a
 * pending `next()` rejects with `expiredError()`, the source is returned, and `onEnd` runs once
 * (also when the source finishes, fails or the client leaves). Without `expiresAt` it only adds
 * `onEnd`.
 *
 * Each pending `next()` gets its own promise that the expiry timer rejects. Racing every `next()`
 * against one promise pending until the expiry would leave a reaction on that promise per event
 * (about two objects each) for as long as the token lives: a leak under a busy dashboard.
 */
export function endAtTokenExpiry(
  source: AsyncIterableIterator<ExecutionResult>,
  expiresAt: Date | null | undefined,
  expiredError: () => GraphQLError,
  onEnd: () => void,
): AsyncIterableIterator<ExecutionResult> {
  let timer: NodeJS.Timeout | undefined;
  let expired: GraphQLError | null = null;
  let rejectPending: ((err: unknown) => void) | null = null;
  let ended = false;
  const end = (): void => {
    clearTimeout(timer);
    if (ended) return;
    ended = true;
    onEnd();
  };
  if (expiresAt) {
    // setTimeout holds at most 2^31-1 ms (about 24.8 days).
    const ms = Math.min(Math.max(expiresAt.getTime() - Date.now(), 0), 2 ** 31 - 1);
    timer = setTimeout(() => {
      expired = expiredError();
      rejectPending?.(expired);
      void source.return?.();
    }, ms);
  }
  return {
    next: async () => {
      try {
        if (expired) throw expired;
        const r = await new Promise<IteratorResult<ExecutionResult>>((resolve, reject) => {
          rejectPending = reject;
          source.next().then(resolve, reject);
        });
        if (r.done) end();
        return r;
      } catch (err) {
        end();
        throw err;
      } finally {
        rejectPending = null;
      }
    },
    return: async () => {
      end();
      return source.return ? source.return() : { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
