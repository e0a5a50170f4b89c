import type { ExecutionResult } from 'graphql';
import type { Client, SubscribePayload } from 'graphql-ws';
import { errors } from '../../shared/errors';

/** The error a subscriber gets when more than `max` results wait for it; it resumes from its last event. */
export function tooManyWaiting(max: number): Error {
  return errors.rateLimited(
    `more than ${max} events waiting for this subscription; resubscribe with afterSeq (assessmentProgress) or after (assessmentEvents) from the last event received`,
    0,
  );
}

/**
 * An async iterator over pushed results, bounded: past `maxQueued` waiting results it ends with
 * tooManyWaiting and calls `onReturn`, as when the consumer leaves. Its return() takes effect at
 * once, even while a consumer waits for the next result (an async generator would wait for its
 * pending await).
 */
export class PushIterator<T = ExecutionResult> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private waiting: ((r: IteratorResult<T, undefined>) => void) | null = null;
  private failWaiting: ((err: unknown) => void) | null = null;
  private ended = false;
  private failure: unknown = null;
  private returned = false;

  constructor(
    private readonly onReturn: () => void,
    private readonly maxQueued = 1000,
  ) {}

  push(r: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w({ value: r, done: false });
    } else if (this.queue.length >= this.maxQueued) {
      // What is queued is still delivered, then the error; the source stops feeding it at once.
      this.end(tooManyWaiting(this.maxQueued));
      this.leave();
    } else this.queue.push(r);
  }

  end(err?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = err ?? null;
    if (this.waiting) {
      const w = this.waiting;
      const f = this.failWaiting!;
      this.waiting = null;
      if (err) f(err);
      else w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.queue.length) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.ended)
      return this.failure ? Promise.reject(this.failure) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    this.queue.length = 0;
    this.end();
    this.leave();
    return { value: undefined, done: true };
  }

  private leave(): void {
    if (this.returned) return;
    this.returned = true;
    this.onReturn();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * A subgraph subscription over a graphql-ws client as a bounded iterator: graphql-ws's own
 * iterate() queues without bound while the gateway resolves the previous event's other fields.
 * Its return(), or an overflow, unsubscribes upstream at once.
 */
export function boundedUpstream(
  client: Client,
  payload: SubscribePayload,
  maxQueued: number,
): PushIterator<ExecutionResult> {
  let unsubscribe = (): void => undefined;
  const it = new PushIterator<ExecutionResult>(() => unsubscribe(), maxQueued);
  unsubscribe = client.subscribe<Record<string, unknown>>(payload, {
    next: (r) => it.push(r as ExecutionResult),
    // graphql-ws passes the subgraph's error list (with codes), or a close event or Error.
    error: (err) => (Array.isArray(err) ? (it.push({ errors: err } as ExecutionResult), it.end()) : it.end(err)),
    complete: () => it.end(),
  });
  return it;
}

/** The source without its first result. */
export async function* dropFirst<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  let first = true;
  for await (const r of source) {
    if (!first) yield r;
    first = false;
  }
}

/** The iterator, calling `done` once when it ends: exhausted, failed or returned. */
export function whenDone<T>(it: AsyncIterableIterator<T>, done: () => void): AsyncIterableIterator<T> {
  let called = false;
  const once = (): void => {
    if (!called) {
      called = true;
      done();
    }
  };
  return {
    next: async () => {
      try {
        const r = await it.next();
        if (r.done) once();
        return r;
      } catch (err) {
        once();
        throw err;
      }
    },
    return: async () => {
      once();
      return (await it.return?.()) ?? { value: undefined, done: true };
    },
    throw: (err: unknown) => it.throw?.(err) ?? Promise.reject(err),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
