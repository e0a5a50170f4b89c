import type { Redis } from 'ioredis';
import type { Logger } from '../../../shared/logger';
import type { PublishedEvent } from './relay';
import type { ReplayLimits } from './event-replay';

/** What an EventHub follows streams with, and its bounds. */
export interface EventHubOptions {
  /** A connection in subscriber mode, for doorbells. Required. */
  subscriber: Redis;
  /** A connection for stream reads (XREAD, XRANGE). Required. */
  reader: Redis;
  /** The keys' prefix (QUEUE_PREFIX). Required. */
  prefix: string;
  /** Where failed stream reads are logged. Required. */
  log: Logger;
  /** Events one listener may have waiting (SUBSCRIPTION_MAX_QUEUED_EVENTS); default 1000. */
  maxBuffered?: number;
  /** How often every followed stream is read even without a doorbell, in ms (EVENT_POLL_MS); default 5000. */
  pollMs?: number;
  /** How `after` replays the stream (EVENT_REPLAY_PAGE, EVENT_REPLAY_MAX); default page 100, max 5000. */
  replay?: ReplayLimits;
}

/** Raised into a listener that fell too far behind; the subscriber resumes with afterSeq or after. */
export class SlowConsumerError extends Error {}

/** A stream entry as listeners get it: the event and its position in the tenant's stream. */
export interface StreamEvent extends PublishedEvent {
  cursor: string;
}

/** What a listener yields: an event, or `resync` after Redis came back (catch up from MongoDB). */
export type HubItem = StreamEvent | { resync: true };

/** A bounded stream of one tenant's events for one subscription. */
export interface Listener extends AsyncIterable<HubItem> {
  close(): void;
  /** Wakes the listener with a `resync` item (the healer's silence check, or a reconnect). */
  nudge(): void;
  /** True once the listener fell more than `maxBuffered` events behind; it ends after what it holds. */
  readonly slow: boolean;
}

export interface ListenOptions {
  /** Only this assessment's events are delivered (and buffered). */
  assessmentId?: string;
  /** Start after this stream position (a cursor); refused when the stream no longer holds it. */
  after?: string | null;
}

/** A listener as its tenant's feed delivers to it (EventHub's own). */
export interface Sub {
  assessmentId: string;
  deliver(e: StreamEvent): void;
  nudge(): void;
}

/** One tenant's stream as this process follows it. */
export interface Feed {
  key: string;
  channel: string;
  /** Listeners by the assessment they watch ('' for every assessment), so delivery costs no scan. */
  subs: Map<string, Set<Sub>>;
  size: number;
  /** The last entry read; set once the feed is ready. */
  position: string;
  ready: Promise<void>;
  reading: boolean;
  again: boolean;
}
