import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/logger';
import { eventsChannel, type PublishedEvent } from './events';

/** Raised into a listener that fell too far behind; the subscriber resumes with afterSeq. */
export class SlowConsumerError extends Error {}

/** A bounded stream of one tenant's events for one subscription. */
export interface Listener extends AsyncIterable<PublishedEvent> {
  close(): void;
}

/**
 * One Redis subscriber connection per process, fanned out to every subscription of every tenant:
 * a tenant's channel is subscribed while at least one listener wants it. Each listener buffers at
 * most `maxBuffered` events; past that it ends with SlowConsumerError instead of growing memory.
 */
export class EventHub {
  private readonly listeners = new Map<string, Set<(e: PublishedEvent) => void>>();

  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly log: Logger, private readonly maxBuffered = 1000) {
    redis.on('message', (channel: string, message: string) => {
      const set = this.listeners.get(channel);
      if (!set) return;
      let event: PublishedEvent;
      try {
        event = JSON.parse(message) as PublishedEvent;
      } catch {
        this.log.warn({ channel }, 'ignoring an unreadable event message');
        return;
      }
      for (const deliver of set) deliver(event);
    });
  }

  /** Subscribes (awaiting Redis) before returning, so nothing published afterwards is missed. */
  async listen(tenantId: string): Promise<Listener> {
    const channel = eventsChannel(this.prefix, tenantId);
    const queue: PublishedEvent[] = [];
    let wake: (() => void) | null = null;
    let failure: Error | null = null;
    let closed = false;
    const deliver = (e: PublishedEvent): void => {
      if (closed || failure) return;
      if (queue.length >= this.maxBuffered) failure = new SlowConsumerError(`more than ${this.maxBuffered} events waiting; resume with afterSeq`);
      else queue.push(e);
      wake?.();
    };
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await this.redis.subscribe(channel);
    }
    set.add(deliver);
    const close = (): void => {
      if (closed) return;
      closed = true;
      wake?.();
      const s = this.listeners.get(channel);
      s?.delete(deliver);
      if (s && s.size === 0) {
        this.listeners.delete(channel);
        this.redis.unsubscribe(channel).catch(() => undefined);
      }
    };
    return {
      close,
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            while (queue.length) yield queue.shift()!;
            if (failure) throw failure;
            if (closed) return;
            await new Promise<void>((r) => { wake = r; });
            wake = null;
          }
        } finally {
          close();
        }
      },
    };
  }

  /** Open subscriptions per tenant channel (for metrics and tests). */
  get size(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}
