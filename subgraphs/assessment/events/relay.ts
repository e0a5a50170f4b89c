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
 * Appends events to the tenant's stream, each only if it is the assessment's next seq, so the
 * stream holds each assessment's events once and in seq order even when two workers publish at
 * once. ARGV: the stream's length, the doorbell channel, the record's lifetime, then per event its
 * seq, its entry and '1' to append it past a gap it cannot fill ('0' otherwise). An event already
 * there is skipped; one with earlier events missing is not appended unless forced (so neither are
 * the unforced ones after it). The answer tells of the first event not appended for a gap:
 * [-1, last, index] when earlier events are missing (the caller appends those first), [-2, 0,
 * index] when the stream has nothing of this assessment and the event is not its first (its first
 * publishes failed, or the record expired); [0, 0, 0] when there was none.
 */
const APPEND = `
local last = redis.call('GET', KEYS[2])
if last then last = tonumber(last) end
local gap = {0, '0', 0}
for i = 4, #ARGV, 3 do
  local seq = tonumber(ARGV[i])
  local forced = ARGV[i + 2] == '1'
  local append = true
  if last then
    if seq <= last then
      append = false
    elseif seq > last + 1 and not forced then
      append = false
      if gap[1] == 0 then gap = {-1, tostring(last), (i - 4) / 3} end
    end
  elseif seq > 1 and not forced then
    append = false
    if gap[1] == 0 then gap = {-2, '0', (i - 4) / 3} end
  end
  if append then
    local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[i + 1])
    redis.call('SET', KEYS[2], ARGV[i], 'EX', ARGV[3])
    redis.call('PUBLISH', ARGV[2], id)
    last = seq
  end
end
return gap
`;

/** How long Redis remembers an assessment's last published seq (a run rarely outlives a week). */
const PUBLISHED_SEQ_TTL_S = 7 * 24 * 3600;

type AppendFn = (stream: string, seqKey: string, ...argv: Array<string | number>) => Promise<[number, string, number]>;

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
 * publish left out are appended before the next event of the same assessment (from the document
 * the caller holds, or its whole log when the document holds only the latest events). A publish
 * that fails is logged and dropped, since a run's last events have no next one, `relayBehind`
 * (called by the reconciler's passes) appends what the streams lack of recently changed runs.
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
    if (!('hiregraphAppendEvents' in redis))
      redis.defineCommand('hiregraphAppendEvents', { numberOfKeys: 2, lua: APPEND });
    this.append = (redis as unknown as { hiregraphAppendEvents: AppendFn }).hiregraphAppendEvents.bind(redis);
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

  /**
   * Appends events just stored in MongoDB, in one call to Redis (a failure is logged, never
   * thrown). `doc.events` may hold only the latest events of its log: when events the stream lacks
   * are not among them, `history` (the whole log) is read.
   */
  async publish(doc: AssessmentDoc, events: EventDoc[], history?: () => Promise<EventDoc[]>): Promise<void> {
    if (!events.length) return;
    try {
      const [status, last, at] = await this.send(
        doc,
        events.map((e) => [e, false]),
      );
      if (status >= 0) return;
      const event = events[at]!;
      // Earlier events are missing from the stream (a failed publish, or another process not done yet):
      // append them from the record first; a racing relay appending them too is harmless.
      // With no record at all (-2), only events younger than the record's lifetime can be missing:
      // older ones were published before it expired, and appending them again would repeat them.
      const since = status === -2 ? Date.now() - PUBLISHED_SEQ_TTL_S * 1000 : 0;
      const log = await this.logHolding(doc.events, Number(last), event.seq, history);
      const missing = log.filter((x) => x.seq > Number(last) && x.seq < event.seq && x.at.getTime() >= since);
      // The first of them starts the record when there was none (it may itself follow a gap of expired
      // events). The event itself is forced: if the record lacked one of them, the stream goes on
      // without it rather than stall.
      await this.send(doc, [
        ...missing.map((e, i): [EventDoc, boolean] => [e, status === -2 && i === 0]),
        [event, true],
        ...events.slice(at + 1).map((e): [EventDoc, boolean] => [e, false]),
      ]);
    } catch (err) {
      this.log.warn(
        { err, assessmentId: doc._id.toHexString(), seqs: events.map((e) => e.seq) },
        'could not publish assessment events; they are in MongoDB, and the next event or the reconciler relays them',
      );
    }
  }

  /** `known` if it holds every event after `last` and before `seq`, else the whole log when it can be read. */
  private async logHolding(
    known: EventDoc[],
    last: number,
    seq: number,
    history?: () => Promise<EventDoc[]>,
  ): Promise<EventDoc[]> {
    const held = new Set(known.map((e) => e.seq));
    for (let s = last + 1; s < seq; s++) if (!held.has(s)) return history ? history() : known;
    return known;
  }

  private send(doc: AssessmentDoc, events: Array<[EventDoc, boolean]>): Promise<[number, string, number]> {
    const tenantId = doc.tenantId.toHexString();
    return this.append(
      eventStreamKey(this.prefix, tenantId),
      publishedSeqKey(this.prefix, doc._id.toHexString()),
      this.maxLen,
      eventsDoorbell(this.prefix, tenantId),
      PUBLISHED_SEQ_TTL_S,
      ...events.flatMap(([e, force]) => [e.seq, JSON.stringify(publishedEvent(doc, e)), force ? '1' : '0']),
    );
  }
}
