import type { Redis } from 'ioredis';
import { errors } from '../../../shared/errors';
import type { Logger } from '../../../shared/logger';
import { eventsDoorbell, eventStreamKey } from './relay';
import {
  SlowConsumerError,
  type EventHubOptions,
  type Feed,
  type Sub,
  type HubItem,
  type Listener,
  type ListenOptions,
  type StreamEvent,
} from './event-hub-types';
import { compareIds, DEFAULT_REPLAY, parseEntry, StreamReplay, type ReplayLimits } from './event-replay';

export {
  compareIds,
  SlowConsumerError,
  type EventHubOptions,
  type HubItem,
  type Listener,
  type ListenOptions,
  type StreamEvent,
};

const STREAM_ID = /^(\d{1,15})-(\d{1,15})$/;

const READ_BATCH = 500;

/**
 * Follows tenants' Redis streams for this process's subscriptions. A tenant's stream is read from
 * the process's last position whenever its doorbell channel rings, after every Redis reconnect,
 * and every `pollMs` as a safety net, so nothing appended while Redis or this process was away is
 * skipped. Each listener buffers at most `maxBuffered` events; past that it ends with
 * SlowConsumerError instead of growing memory.
 */
export class EventHub {
  private readonly feeds = new Map<string, Feed>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  private readonly subscriber: Redis;
  private readonly reader: Redis;
  private readonly prefix: string;
  private readonly log: Logger;
  private readonly maxBuffered: number;
  private readonly replay: ReplayLimits;

  constructor(opts: EventHubOptions) {
    const { subscriber, reader } = opts;
    this.subscriber = subscriber;
    this.reader = reader;
    this.prefix = opts.prefix;
    this.log = opts.log;
    this.maxBuffered = opts.maxBuffered ?? 1000;
    this.replay = opts.replay ?? DEFAULT_REPLAY;
    subscriber.on('message', (channel: string) => {
      const feed = this.feeds.get(channel);
      if (feed) void this.pull(feed);
    });
    // After a reconnect: read what was appended meanwhile, and tell listeners (resync) so the healer
    // reads back from MongoDB what a publish lost while Redis was away.
    const caughtUp = (): void => {
      for (const feed of this.feeds.values()) {
        void this.pull(feed);
        for (const peers of feed.subs.values()) for (const s of peers) s.nudge();
      }
    };
    subscriber.on('ready', caughtUp);
    reader.on('ready', caughtUp);
    this.timer = setInterval(() => {
      for (const feed of this.feeds.values()) void this.pull(feed);
    }, opts.pollMs ?? 5000);
    this.timer.unref();
  }

  /**
   * Registers the listener, then makes sure the tenant's stream is followed, so nothing appended
   * after this resolves is missed. With `after`, the listener first gets every entry after that
   * position, then live entries, each once and in stream order. The entries after `after` are read
   * a page at a time, the next page only once the subscriber has taken the previous one, and at
   * most `replay.max` of them: past that the listener ends with BAD_USER_INPUT saying where to resume.
   */
  async listen(tenantId: string, opts: ListenOptions = {}): Promise<Listener> {
    const after = opts.after ?? null;
    if (after !== null && !STREAM_ID.test(after))
      throw errors.badInput(
        `expected a cursor of assessmentEvents (such as 1732450000000-0), received "${after.slice(0, 60)}"`,
        'after',
      );
    const queue: HubItem[] = [];
    let wake: (() => void) | null = null;
    let failure: Error | null = null;
    let closed = false;
    let last = after;
    let backlogDone = after === null;
    // Live entries that arrive while the backlog is read: only those since the last page was asked
    // for matter (earlier ones are in the stream at or before what that page reads).
    const pending: StreamEvent[] = [];
    let pendingLost = false;
    const push = (item: HubItem): void => {
      if (closed || failure) return;
      if (queue.length >= this.maxBuffered)
        failure = new SlowConsumerError(`more than ${this.maxBuffered} events waiting; resume with afterSeq or after`);
      else queue.push(item);
      wake?.();
    };
    const accept = (e: StreamEvent): void => {
      if (sub.assessmentId && e.assessmentId !== sub.assessmentId) return;
      if (last !== null && compareIds(e.cursor, last) <= 0) return;
      last = e.cursor;
      push(e);
    };
    const sub: Sub = {
      assessmentId: opts.assessmentId ?? '',
      deliver: (e) => {
        if (backlogDone) return accept(e);
        if (pending.length >= this.maxBuffered) {
          pending.length = 0;
          pendingLost = true;
        }
        pending.push(e);
      },
      nudge: () => push({ resync: true }),
    };
    const feed = this.follow(eventsDoorbell(this.prefix, tenantId), eventStreamKey(this.prefix, tenantId));
    const peers = feed.subs.get(sub.assessmentId) ?? new Set<Sub>();
    feed.subs.set(sub.assessmentId, peers.add(sub));
    feed.size++;
    const close = (): void => {
      if (closed) return;
      closed = true;
      wake?.();
      if (peers.delete(sub)) feed.size--;
      if (peers.size === 0 && feed.subs.get(sub.assessmentId) === peers) feed.subs.delete(sub.assessmentId);
      if (feed.size === 0 && this.feeds.get(feed.channel) === feed) {
        this.feeds.delete(feed.channel);
        this.subscriber.unsubscribe(feed.channel).catch(() => undefined);
      }
    };
    const replay =
      after === null
        ? null
        : new StreamReplay({
            reader: this.reader,
            key: feed.key,
            after,
            limits: { page: Math.min(this.replay.page, this.maxBuffered), max: this.replay.max },
          });
    const readPage = async (): Promise<void> => {
      pending.length = 0;
      pendingLost = false;
      const entries = await replay!.next();
      for (const [id, fields] of entries) {
        const e = parseEntry(id, fields);
        if (e) accept(e);
      }
      if (replay!.done) {
        backlogDone = true;
        // Entries that passed while the last page was read are lost only if more than a queue's worth did.
        if (pendingLost)
          failure ??= new SlowConsumerError(`more than ${this.maxBuffered} events arrived during a replay`);
        for (const e of pending.splice(0)) accept(e);
      } else if (replay!.capped) failure ??= replay!.capError();
    };
    try {
      await feed.ready;
      // The first page at subscribe time, so an expired cursor is refused before anything is sent.
      if (replay) await readPage();
    } catch (err) {
      close();
      throw err;
    }
    return {
      close,
      nudge: sub.nudge,
      get slow() {
        return failure instanceof SlowConsumerError;
      },
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            while (queue.length) yield queue.shift()!;
            if (failure) throw failure;
            if (closed) return;
            // Backpressure: the next page is read only now that the subscriber took the last one.
            if (!backlogDone) {
              await readPage();
              continue;
            }
            await new Promise<void>((r) => {
              wake = r;
            });
            wake = null;
          }
        } finally {
          close();
        }
      },
    };
  }

  /** A tenant's feed (by its doorbell channel), created and made ready (subscribed, position read) once. */
  private follow(channel: string, key: string): Feed {
    const existing = this.feeds.get(channel);
    if (existing) return existing;
    const feed: Feed = {
      key,
      channel,
      subs: new Map(),
      size: 0,
      position: '0-0',
      ready: Promise.resolve(),
      reading: false,
      again: false,
    };
    feed.ready = (async () => {
      try {
        await this.subscriber.subscribe(feed.channel);
        const [newest] = await this.reader.xrevrange(feed.key, '+', '-', 'COUNT', 1);
        feed.position = newest?.[0] ?? '0-0';
      } catch (err) {
        // Not left half-registered: the next listen for this tenant starts over.
        if (this.feeds.get(channel) === feed) this.feeds.delete(channel);
        throw err;
      }
      // Entries appended between the doorbell subscription and the position read are read now.
      void this.pull(feed);
    })();
    this.feeds.set(channel, feed);
    return feed;
  }

  /** Reads a feed's new entries and hands them out; a doorbell during a read makes it read again. */
  private async pull(feed: Feed): Promise<void> {
    if (feed.reading) {
      feed.again = true;
      return;
    }
    feed.reading = true;
    try {
      await feed.ready;
      for (;;) {
        feed.again = false;
        const res = (await this.reader.xread('COUNT', READ_BATCH, 'STREAMS', feed.key, feed.position)) as Array<
          [string, Array<[string, string[]]>]
        > | null;
        const entries = res?.[0]?.[1] ?? [];
        for (const [id, fields] of entries) {
          feed.position = id;
          const e = parseEntry(id, fields);
          if (!e) continue;
          for (const s of [...(feed.subs.get('') ?? []), ...(feed.subs.get(e.assessmentId) ?? [])]) s.deliver(e);
        }
        if (entries.length < READ_BATCH && !feed.again) break;
      }
    } catch (err) {
      if (!this.closed)
        this.log.warn(
          { err, stream: feed.key },
          'could not read the event stream; will read again on reconnect or at the next poll',
        );
    } finally {
      feed.reading = false;
    }
  }

  /**
   * The newest position of a tenant's stream, as a cursor for `after`. An empty stream gets a
   * marker entry (which listeners skip), so the cursor always names an entry and the expiry check
   * stays exact.
   */
  async tail(tenantId: string, maxLen: number): Promise<string> {
    const key = eventStreamKey(this.prefix, tenantId);
    const [newest] = await this.reader.xrevrange(key, '+', '-', 'COUNT', 1);
    if (newest) return newest[0];
    return (await this.reader.xadd(key, 'MAXLEN', '~', maxLen, '*', 'mark', '1'))!;
  }

  /** Open listeners in this process (for metrics and tests). */
  get size(): number {
    let n = 0;
    for (const feed of this.feeds.values()) n += feed.size;
    return n;
  }

  /** Stops polling; the connections are closed by their owner. Safe to call twice. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }
}
