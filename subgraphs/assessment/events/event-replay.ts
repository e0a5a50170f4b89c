import type { Redis } from 'ioredis';
import { errors } from '../../../shared/errors';
import type { StreamEvent } from './event-hub';
import type { PublishedEvent } from './relay';

export type RawEntry = [id: string, fields: string[]];

/** How assessmentEvents(after:) replays: page size (EVENT_REPLAY_PAGE) and most entries per subscribe (EVENT_REPLAY_MAX). */
export interface ReplayLimits {
  /** Entries read per XRANGE (EVENT_REPLAY_PAGE); default 100. */
  page: number;
  /** Most entries replayed per subscribe (EVENT_REPLAY_MAX); default 5000. */
  max: number;
}

export interface StreamReplayOptions {
  /** The connection for XRANGE reads. Required. */
  reader: Redis;
  /** The tenant's stream key. Required. */
  key: string;
  /** The cursor the replay starts after (exclusive). Required. */
  after: string;
  /** Page size and cap; default DEFAULT_REPLAY (page 100, max 5000). */
  limits?: ReplayLimits;
}

export const DEFAULT_REPLAY: ReplayLimits = { page: 100, max: 5000 };

/**
 * A tenant's stream after a cursor, read one XRANGE of `page` entries at a time, each only when
 * the caller asks for it (after the subscriber took the previous page), so a subscribe far behind
 * holds one page in memory, not the stream. After `max` entries without reaching the end it stops:
 * `capped` says so, and `capError` tells the client where to resume.
 */
export class StreamReplay {
  private position: string;
  private replayed = 0;
  private started = false;
  /** The stream's end was reached: what follows is live. */
  done = false;
  /** `max` entries were replayed and more remain. */
  capped = false;

  private readonly reader: Redis;
  private readonly key: string;
  private readonly after: string;
  private readonly limits: ReplayLimits;

  constructor(opts: StreamReplayOptions) {
    this.reader = opts.reader;
    this.key = opts.key;
    this.after = opts.after;
    this.limits = opts.limits ?? DEFAULT_REPLAY;
    this.position = opts.after;
  }

  /** The next page; the first one refuses a cursor the stream no longer holds (BAD_USER_INPUT). */
  async next(): Promise<RawEntry[]> {
    if (this.done || this.capped) return [];
    const page = Math.max(1, Math.min(this.limits.page, this.limits.max - this.replayed));
    let entries: RawEntry[];
    if (!this.started) {
      this.started = true;
      // The cursor's own entry comes first when the stream still holds it, hence one more.
      const read = (await this.reader.xrange(this.key, this.after, '+', 'COUNT', page + 1)) as RawEntry[];
      if (read[0]?.[0] !== this.after) await this.refuseExpired();
      entries = read[0]?.[0] === this.after ? read.slice(1) : read.slice(0, page);
      if (read.length < page + 1) this.done = true;
    } else {
      entries = (await this.reader.xrange(this.key, `(${this.position}`, '+', 'COUNT', page)) as RawEntry[];
      if (entries.length < page) this.done = true;
    }
    if (entries.length) this.position = entries[entries.length - 1]![0];
    this.replayed += entries.length;
    if (!this.done && this.replayed >= this.limits.max) this.capped = true;
    return entries;
  }

  /**
   * Expired only if the stream now starts after the cursor: entries after it may have been
   * trimmed. A cursor inside the stream's range whose own entry is gone (a Redis failover lost
   * it) resumes from the next entry; the relay appends events lost with it again later.
   */
  private async refuseExpired(): Promise<void> {
    const [first] = (await this.reader.xrange(this.key, '-', '+', 'COUNT', 1)) as RawEntry[];
    if (!first || compareIds(first[0], this.after) > 0) {
      throw errors.badInput(
        `cursor ${this.after} has expired: this tenant's event stream no longer holds it; subscribe without after and reload the assessments you show`,
        'after',
      );
    }
  }

  /** Where a client resumes after a capped replay. */
  capError(): Error {
    return errors.badInput(
      `expected a cursor at most ${this.limits.max} events behind, received ${this.after}; the events up to ${this.position} were sent: resubscribe with after ${this.position}, or without after and reload the assessments you show`,
      'after',
    );
  }
}

/** Compares two stream ids ("ms-seq"). */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}

/** A stream entry as listeners get it; null for one that is not an event (the empty stream's marker). */
export function parseEntry(id: string, fields: string[]): StreamEvent | null {
  const i = fields.indexOf('e');
  if (i < 0 || i + 1 >= fields.length) return null;
  try {
    return { ...(JSON.parse(fields[i + 1]!) as PublishedEvent), cursor: id };
  } catch {
    return null;
  }
}
