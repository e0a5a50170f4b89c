import type { ExecutionResult } from 'graphql';
import { PushIterator } from './push-iterator';

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
