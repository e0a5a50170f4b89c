import { LRUCache } from 'lru-cache';
import { ObjectId } from 'mongodb';
import type { Logger } from '../../../shared/logger';
import { TERMINAL, type AssessmentDoc } from '../store/model';
import type { AssessmentRepository } from '../store/repository';
import { assessmentAt } from '../store/view';
import type { Listener, StreamEvent } from './event-hub';
import type { PublishedEvent } from './relay';

const TERMINAL_EVENTS = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** Assessments whose last seq one tenant-wide reader remembers (the least recently active go first). */
const MAX_TRACKED = 10_000;

export interface EventHealerOptions {
  /** How often, and how long a per-run reader must be silent to be checked, in ms (EVENT_CATCHUP_MS). Required. */
  silenceMs: number;
  /** Where failed MongoDB reads of the silence check are logged. Required. */
  log: Logger;
}

/** One event as a reader delivers it: from the stream, or read back from MongoDB with its own snapshot. */
export type RunEvent = Pick<PublishedEvent, 'event' | 'assessment'>;

export interface RunReadOptions {
  /** The subscriber's tenant's assessments. Required. */
  repo: AssessmentRepository;
  /** Listening to the run's events since before `doc` was read. Required. */
  listener: Listener;
  /** The run as read once the listener was open. Required. */
  doc: AssessmentDoc;
  /** The last seq the subscriber has; what follows it is delivered. Required. */
  after: number;
}

/** A per-run reader as the silence check sees it. */
interface Watched {
  repo: AssessmentRepository;
  id: string;
  last: number;
  heardAt: number;
  listener: Listener;
}

/**
 * The healer: the only code that reads missing events back from MongoDB for readers (see index.ts
 * for the rule). A per-run reader delivers by seq; a stream entry past a gap, a Redis reconnect
 * (the hub's `resync`), or this healer finding the reader silent while MongoDB has newer events
 * makes it read what it lacks from the record, each event with the snapshot stored with it.
 * The silence check is one query per tenant every `silenceMs` for every silent reader of this
 * process, so thousands of idle dashboards cost a handful of queries.
 */
export class EventHealer {
  private readonly watched = new Set<Watched>();
  private readonly timer: NodeJS.Timeout;
  private checking = false;

  private readonly silenceMs: number;
  private readonly log: Logger;

  constructor(opts: EventHealerOptions) {
    this.silenceMs = opts.silenceMs;
    this.log = opts.log;
    this.timer = setInterval(() => void this.check(), this.silenceMs);
    this.timer.unref();
  }

  /**
   * One run's events after `after`, each once and in seq order: first those `doc` holds, then live
   * ones, any gap filled from MongoDB. Ends after a terminal event.
   */
  async *run(opts: RunReadOptions): AsyncGenerator<RunEvent> {
    const { repo, listener, doc } = opts;
    const id = doc._id;
    const w: Watched = { repo, id: id.toHexString(), last: opts.after, heardAt: Date.now(), listener };
    /** Stored events after the last delivered (up to `before`), each with its own snapshot. */
    const stored = function* (from: AssessmentDoc, before = Infinity): Generator<RunEvent> {
      for (const e of from.events) {
        if (e.seq <= w.last || e.seq >= before) continue;
        w.last = e.seq;
        yield { event: e, assessment: assessmentAt(from, e) };
      }
    };
    const over = (d: AssessmentDoc) => TERMINAL.has(d.status) && w.last >= d.eventSeq;
    this.watched.add(w);
    try {
      yield* stored(doc);
      if (over(doc)) return;
      for await (const item of listener) {
        w.heardAt = Date.now();
        if ('resync' in item) {
          const fresh = await repo.full(id);
          if (!fresh) return;
          yield* stored(fresh);
          if (over(fresh)) return;
          continue;
        }
        if (item.event.seq <= w.last) continue;
        if (item.event.seq > w.last + 1) {
          const fresh = await repo.full(id);
          if (fresh) yield* stored(fresh, item.event.seq);
        }
        w.last = item.event.seq;
        yield item;
        if (TERMINAL_EVENTS.has(item.event.type)) return;
      }
    } finally {
      this.watched.delete(w);
    }
  }

  /**
   * A tenant's events as the stream holds them, each assessment's once and in seq order: after a
   * Redis failover the stream can hold an assessment's events a second time (relayed again from
   * MongoDB), and those are skipped. An entry past a gap in an assessment this reader already
   * delivered gets the missing events from MongoDB first, carrying that entry's cursor (resuming
   * after it skips none of them). `passed` hears every entry's cursor, skipped ones too, so a
   * subscriber told where to resume does not get the skipped repeats again.
   */
  async *tenant(
    repo: AssessmentRepository,
    listener: Listener,
    passed: (cursor: string) => void = () => undefined,
  ): AsyncGenerator<StreamEvent> {
    const delivered = new LRUCache<string, number>({ max: MAX_TRACKED });
    for await (const item of listener) {
      if ('resync' in item) continue;
      passed(item.cursor);
      const id = item.assessmentId;
      const last = delivered.get(id) ?? 0;
      if (item.event.seq <= last) continue;
      if (last > 0 && item.event.seq > last + 1) {
        const fresh = await repo.full(new ObjectId(id));
        for (const e of fresh?.events ?? []) {
          if (e.seq <= last || e.seq >= item.event.seq) continue;
          yield { assessmentId: id, event: e, assessment: assessmentAt(fresh!, e), cursor: item.cursor };
        }
      }
      delivered.set(id, item.event.seq);
      yield item;
    }
  }

  /** One silence check (also for tests): wakes every silent per-run reader whose run has newer events. */
  async check(): Promise<number> {
    if (this.checking) return 0;
    this.checking = true;
    let woken = 0;
    try {
      const silentSince = Date.now() - this.silenceMs;
      const byTenant = new Map<string, Watched[]>();
      for (const w of this.watched) {
        if (w.heardAt > silentSince) continue;
        const t = w.repo.tenantId.toHexString();
        byTenant.set(t, [...(byTenant.get(t) ?? []), w]);
      }
      for (const group of byTenant.values()) {
        const seqs = await group[0]!.repo.eventSeqs(group.map((w) => w.id)).catch((err: unknown) => {
          this.log.warn({ err }, 'could not check silent subscriptions against MongoDB; will check again');
          return new Map<string, number>();
        });
        for (const w of group) {
          if ((seqs.get(w.id) ?? 0) > w.last) {
            w.listener.nudge();
            woken++;
          }
        }
      }
    } finally {
      this.checking = false;
    }
    return woken;
  }

  /** Per-run readers this healer watches (for tests). */
  get size(): number {
    return this.watched.size;
  }

  /** Stops the silence checks. Safe to call twice. */
  close(): void {
    clearInterval(this.timer);
  }
}
