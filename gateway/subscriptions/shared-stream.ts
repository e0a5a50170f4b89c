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

/** Where a SharedStream's results come from, and what it calls when it ends. */
export interface SharedStreamOptions {
  /** The one upstream subscription's results. Required. */
  source: AsyncIterable<ExecutionResult>;
  /** Closes the upstream, once, when the last subscriber leaves or it ends. Required. */
  stop: () => void;
  /** Called, before `stop`, when the stream takes no more subscribers (to forget it); default none. */
  onIdle?: () => void;
  /** Results one subscriber may have waiting (SUBSCRIPTION_MAX_QUEUED_EVENTS); default 1000. */
  maxQueued?: number;
}

/**
 * One upstream subscription feeding many identical downstream ones, each through a bounded
 * PushIterator. When the last subscriber leaves (by return, overflow or error), `stop` closes the
 * upstream at once and no further event is pulled, so no further entity fetch runs for it.
 */
export class SharedStream {
  /** Each subscriber with the authorization it subscribed with. */
  private readonly subs = new Map<PushIterator, string | undefined>();
  private finished = false;

  private readonly stop: () => void;
  private readonly onIdle: () => void;
  private readonly maxQueued: number;

  constructor(opts: SharedStreamOptions) {
    const { source } = opts;
    this.stop = opts.stop;
    this.onIdle = opts.onIdle ?? (() => {});
    this.maxQueued = opts.maxQueued ?? 1000;
    void (async () => {
      let failure: unknown;
      try {
        for await (const r of source) {
          for (const s of [...this.subs.keys()]) s.push(r);
          if (this.finished) break;
        }
      } catch (err) {
        failure = err;
      } finally {
        this.finish();
        for (const s of this.subs.keys()) s.end(failure);
      }
    })();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.onIdle();
    this.stop();
  }

  join(authorization?: string): PushIterator {
    const it: PushIterator = new PushIterator(() => {
      this.subs.delete(it);
      if (this.subs.size === 0) this.finish();
    }, this.maxQueued);
    if (this.finished) it.end();
    else this.subs.set(it, authorization);
    return it;
  }

  /**
   * The authorization of the newest subscriber still joined: what the stream's other-subgraph
   * fetches run with, so they never depend on a subscriber that left or whose token expired.
   */
  authorization(): string | undefined {
    let last: string | undefined;
    for (const a of this.subs.values()) last = a;
    return last;
  }

  /** Subscribers still joined (for tests). */
  get size(): number {
    return this.subs.size;
  }
}
