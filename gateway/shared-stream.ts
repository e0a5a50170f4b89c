import type { ExecutionResult } from 'graphql';

type Result = IteratorResult<ExecutionResult, undefined>;

/**
 * An async iterator over pushed results whose return() takes effect at once, even while a
 * consumer waits for the next result (an async generator would wait for its pending await).
 */
export class PushIterator implements AsyncIterableIterator<ExecutionResult> {
  private readonly queue: ExecutionResult[] = [];
  private waiting: ((r: Result) => void) | null = null;
  private failWaiting: ((err: unknown) => void) | null = null;
  private ended = false;
  private failure: unknown = null;

  constructor(private readonly onReturn: () => void, private readonly maxQueued = 1000) {}

  push(r: ExecutionResult): void {
    if (this.ended) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w({ value: r, done: false });
    } else if (this.queue.length >= this.maxQueued) this.end(new Error(`more than ${this.maxQueued} results waiting; resubscribe`));
    else this.queue.push(r);
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

  next(): Promise<Result> {
    if (this.queue.length) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.ended) return this.failure ? Promise.reject(this.failure) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => { this.waiting = resolve; this.failWaiting = reject; });
  }

  async return(): Promise<Result> {
    this.queue.length = 0;
    this.end();
    this.onReturn();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * One upstream subscription feeding many identical downstream ones, each through a bounded
 * PushIterator. When the last subscriber leaves, `stop` closes the upstream at once.
 */
export class SharedStream {
  private readonly subs = new Set<PushIterator>();
  private finished = false;

  constructor(source: AsyncIterable<ExecutionResult>, private readonly stop: () => void, private readonly onIdle: () => void) {
    void (async () => {
      let failure: unknown;
      try {
        for await (const r of source) for (const s of this.subs) s.push(r);
      } catch (err) {
        failure = err;
      } finally {
        this.finish();
        for (const s of this.subs) s.end(failure);
      }
    })();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.onIdle();
    this.stop();
  }

  join(): PushIterator {
    const it: PushIterator = new PushIterator(() => {
      this.subs.delete(it);
      if (this.subs.size === 0) this.finish();
    });
    if (this.finished) it.end();
    else this.subs.add(it);
    return it;
  }
}
