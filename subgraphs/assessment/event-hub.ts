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
  /** Per channel: listeners of every event ('' key) and listeners of one assessment (its id). */
  private readonly listeners = new Map<string, Map<string, Set<(e: PublishedEvent) => void>>>();

  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly log: Logger, private readonly maxBuffered = 1000) {
    redis.on('message', (channel: string, message: string) => {
      const byKey = this.listeners.get(channel);
      if (!byKey) return;
      let event: PublishedEvent;
      try {
        event = JSON.parse(message) as PublishedEvent;
      } catch {
        this.log.warn({ channel }, 'ignoring an unreadable event message');
        return;
      }
      for (const deliver of byKey.get('') ?? []) deliver(event);
      for (const deliver of byKey.get(event.assessmentId) ?? []) deliver(event);
    });
  }

  /**
   * Subscribes (awaiting Redis) before returning, so nothing published afterwards is missed. With
   * `assessmentId`, only that assessment's events are delivered (and buffered).
   */
  async listen(tenantId: string, assessmentId = ''): Promise<Listener> {
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
    let byKey = this.listeners.get(channel);
    if (!byKey) {
      byKey = new Map();
      this.listeners.set(channel, byKey);
      await this.redis.subscribe(channel);
    }
    const set = byKey.get(assessmentId) ?? new Set();
    byKey.set(assessmentId, set);
    set.add(deliver);
    const close = (): void => {
      if (closed) return;
      closed = true;
      wake?.();
      const keys = this.listeners.get(channel);
      const s = keys?.get(assessmentId);
      s?.delete(deliver);
      if (keys && s && s.size === 0) keys.delete(assessmentId);
      if (keys && keys.size === 0) {
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
    for (const keys of this.listeners.values()) for (const s of keys.values()) n += s.size;
    return n;
  }
}
