import type { Redis } from 'ioredis';
import type { Logger } from '../../../shared/logger';
import type { AssessmentDoc, EventDoc } from '../store/model';
import type { RunRecovery } from '../store/repository';
import { assessmentAt, type AssessmentStateView } from '../store/view';

/** The Redis stream holding one tenant's assessment events, in order per assessment. */
export function eventStreamKey(prefix: string, tenantId: string): string {
  return `${prefix}:assessment-events:${tenantId}`;
}

/** The channel that rings when a tenant's stream has new entries (the entry id is the message). */
export function eventsDoorbell(prefix: string, tenantId: string): string {
  return `${prefix}:assessment-events:${tenantId}:new`;
}

/** The seq of the last event of one assessment in its tenant's stream. */
function publishedSeqKey(prefix: string, assessmentId: string): string {
  return `${prefix}:assessment-published:${assessmentId}`;
}

/**
 * What a stream entry holds: the event and the assessment as it was right after it, from the
 * snapshot stored with the event (JSON: ids and dates as strings).
 */
export interface PublishedEvent {
  assessmentId: string;
  event: Pick<EventDoc, 'seq' | 'type' | 'at' | 'step'>;
  assessment: AssessmentStateView;
}

/** The message for one stored event: built from that event's own snapshot, never the current document. */
export function publishedEvent(doc: AssessmentDoc, e: EventDoc): PublishedEvent {
  return {
    assessmentId: doc._id.toHexString(),
    event: { seq: e.seq, type: e.type, at: e.at, step: e.step },
    assessment: assessmentAt(doc, e),
  };
}

/**
 * Appends one event to the tenant's stream only if it is the assessment's next seq, so the stream
 * holds each assessment's events once and in seq order even when two workers publish at once.
 * Returns [1, id] when appended, [0, last] when already there, [-1, last] when earlier events are
 * missing (the caller appends those first), [-2, 0] when the stream has nothing of this assessment
 * and the event is not its first (its first publishes failed, or the record expired). ARGV[6] = '1'
 * appends past a gap it cannot fill.
 */
const APPEND = `
local last = redis.call('GET', KEYS[2])
local seq = tonumber(ARGV[1])
if last then
  last = tonumber(last)
  if seq <= last then return {0, tostring(last)} end
  if seq > last + 1 and ARGV[6] ~= '1' then return {-1, tostring(last)} end
elseif seq > 1 and ARGV[6] ~= '1' then
  return {-2, '0'}
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'e', ARGV[2])
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[5])
redis.call('PUBLISH', ARGV[4], id)
return {1, id}
`;

/** How long Redis remembers an assessment's last published seq (a run rarely outlives a week). */
const PUBLISHED_SEQ_TTL_S = 7 * 24 * 3600;

type AppendFn = (
  stream: string,
  seqKey: string,
  seq: number,
  payload: string,
  maxLen: number,
  channel: string,
  ttl: number,
  force: string,
) => Promise<[number, string]>;

/** How far back `relayBehind` looks: runs changed within this long (and at least a second ago). */
const BEHIND_WINDOW_MS = 120_000;

export interface EventRelayOptions {
  /** The connection streams are appended with. Required. */
  redis: Redis;
  /** The keys' prefix (QUEUE_PREFIX). Required. */
  prefix: string;
  /** Where failed publishes are logged. Required. */
  log: Logger;
  /** Entries kept per tenant stream, approximately (EVENT_STREAM_MAXLEN); default 10000. */
  maxLen?: number;
}

/**
 * The relay: the only code that copies events from MongoDB's record into the tenant's Redis
 * stream (see index.ts for the rule). `publish` appends events just stored; events a failed
 * publish left out are appended before the next event of the same assessment (they are in the
 * document the caller holds). A publish that fails is logged and dropped, since a run's last
 * events have no next one, `relayBehind` (called by the reconciler's passes) appends what the
 * streams lack of recently changed runs.
 */
export class EventRelay {
  private readonly append: AppendFn;

  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly log: Logger;
  private readonly maxLen: number;

  constructor(opts: EventRelayOptions) {
    const { redis } = opts;
    this.redis = redis;
    this.prefix = opts.prefix;
    this.log = opts.log;
    this.maxLen = opts.maxLen ?? 10_000;
    if (!('hiregraphAppendEvent' in redis))
      redis.defineCommand('hiregraphAppendEvent', { numberOfKeys: 2, lua: APPEND });
    this.append = (redis as unknown as { hiregraphAppendEvent: AppendFn }).hiregraphAppendEvent.bind(redis);
  }

  /** The last seq the tenant streams hold of each assessment (0 for one they hold nothing of). */
  async publishedSeqs(assessmentIds: string[]): Promise<number[]> {
    if (!assessmentIds.length) return [];
    const values = await this.redis.mget(...assessmentIds.map((id) => publishedSeqKey(this.prefix, id)));
    return values.map((v) => Number(v ?? 0));
  }

  /**
   * Appends what the streams lack of runs changed in the last two minutes (a publish that failed,
   * or a process gone right after recording an event), in order; resolves with how many runs
   * needed it.
   */
  async relayBehind(recovery: RunRecovery): Promise<number> {
    const now = Date.now();
    const changed = await recovery.changedBetween(new Date(now - BEHIND_WINDOW_MS), new Date(now - 1000));
    const published = await this.publishedSeqs(changed.map((c) => c.id.toHexString()));
    const behind = new Map<string, number>();
    changed.forEach((c, i) => {
      if (published[i]! < c.eventSeq) behind.set(c.id.toHexString(), published[i]!);
    });
    if (!behind.size) return 0;
    const ids = changed.filter((c) => behind.has(c.id.toHexString())).map((c) => c.id);
    for (const doc of await recovery.full(ids)) {
      const from = behind.get(doc._id.toHexString()) ?? 0;
      await this.publish(
        doc,
        doc.events.filter((e) => e.seq > from),
      );
    }
    return behind.size;
  }

  /** Appends events just stored in MongoDB (each failure logged, never thrown). */
  async publish(doc: AssessmentDoc, events: EventDoc[]): Promise<void> {
    for (const event of events) {
      try {
        await this.appendInOrder(doc, event);
      } catch (err) {
        this.log.warn(
          { err, assessmentId: doc._id.toHexString(), seq: event.seq },
          'could not publish an assessment event; it is in MongoDB, and the next event or the reconciler relays it',
        );
      }
    }
  }

  private async appendInOrder(doc: AssessmentDoc, event: EventDoc): Promise<void> {
    const tenantId = doc.tenantId.toHexString();
    const assessmentId = doc._id.toHexString();
    const send = (e: EventDoc, force: boolean) =>
      this.append(
        eventStreamKey(this.prefix, tenantId),
        publishedSeqKey(this.prefix, assessmentId),
        e.seq,
        JSON.stringify(publishedEvent(doc, e)),
        this.maxLen,
        eventsDoorbell(this.prefix, tenantId),
        PUBLISHED_SEQ_TTL_S,
        force ? '1' : '0',
      );
    const [status, last] = await send(event, false);
    if (status >= 0) return;
    // Earlier events are missing from the stream (a failed publish, or another process not done yet):
    // append them from the document first; a racing relay appending them too is harmless.
    // With no record at all (-2), only events younger than the record's lifetime can be missing:
    // older ones were published before it expired, and appending them again would repeat them.
    const since = status === -2 ? Date.now() - PUBLISHED_SEQ_TTL_S * 1000 : 0;
    // The first of them starts the record when there was none (it may itself follow a gap of expired events).
    let start = status === -2;
    for (const e of doc.events.filter((x) => x.seq > Number(last) && x.seq < event.seq && x.at.getTime() >= since)) {
      await send(e, start);
      start = false;
    }
    // Forced: if the document lacked one of them, the stream goes on without it rather than stall.
    await send(event, true);
  }
}
