import { randomBytes } from 'node:crypto';
import { ObjectId } from 'mongodb';
import pino from 'pino';
import { closeRedis, redisConnection } from '../../shared/redis';
import {
  EventHub,
  SlowConsumerError,
  type HubItem,
  type Listener,
  type StreamEvent,
} from '../../subgraphs/assessment/events/event-hub';
import { EventHealer } from '../../subgraphs/assessment/events/healer';
import { EventRelay, eventsDoorbell } from '../../subgraphs/assessment/events/relay';
import type { AssessmentRepository } from '../../subgraphs/assessment/store/repository';
import { assessmentEvents } from '../../subgraphs/assessment/graph/subscription-resolvers';
import { newAssessment, snapshotOf, type AssessmentDoc, type EventDoc } from '../../subgraphs/assessment/store/model';
import { REAL_REDIS_URL } from '../support/runs';
import { waitFor } from '../support/wait';

/** The subgraph's stream follower and the relay, against real Redis. */
const prefix = `hgtest-${randomBytes(4).toString('hex')}`;
const silent = pino({ level: 'silent' });
const sub = redisConnection(REAL_REDIS_URL, 'worker');
const reader = redisConnection(REAL_REDIS_URL, 'worker');
const pub = redisConnection(REAL_REDIS_URL, 'worker');
const publisher = new EventRelay({ redis: pub, prefix, log: silent, maxLen: 1000 });
const healer = new EventHealer({ silenceMs: 60_000, log: silent });
const hubs: EventHub[] = [];
const hub = (maxBuffered = 1000) => {
  const h = new EventHub({ subscriber: sub, reader, prefix, log: silent, maxBuffered, pollMs: 60_000 });
  hubs.push(h);
  return h;
};
afterAll(async () => {
  for (const h of hubs) h.close();
  healer.close();
  for (const k of await pub.keys(`${prefix}:*`)) await pub.del(k);
  await closeRedis(sub);
  await closeRedis(reader);
  await closeRedis(pub);
});

/** An assessment of a tenant whose events (seq 2, 3, ...) the test publishes one by one. */
function run(tenantId: ObjectId) {
  const doc: AssessmentDoc = {
    ...newAssessment({ candidateId: new ObjectId(), jobId: new ObjectId(), agents: ['skills'], idempotencyKey: null }),
    tenantId,
  };
  const event = (seq: number): EventDoc => ({
    seq,
    type: 'STEP_STARTED',
    at: new Date(),
    step: null,
    assessment: snapshotOf(doc),
  });
  return {
    doc,
    id: doc._id.toHexString(),
    /** Stores events up to `seq` in the document (as MongoDB would) and publishes the ones given. */
    async publish(...seqs: number[]) {
      for (const s of seqs) if (!doc.events.some((e) => e.seq === s)) doc.events.push(event(s));
      doc.events.sort((a, b) => a.seq - b.seq);
      await publisher.publish(
        doc,
        seqs.map((s) => doc.events.find((e) => e.seq === s)!),
      );
    },
  };
}

/** Takes `n` events from a listener. */
async function take(listener: Listener, n: number): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  if (n === 0) return out;
  for await (const item of listener as AsyncIterable<HubItem>) {
    if ('resync' in item) continue;
    out.push(item);
    if (out.length === n) break;
  }
  return out;
}

const tenant = () => new ObjectId();

test("the stream holds each assessment's events once and in seq order, whatever order publishers append in", async () => {
  const t = tenant();
  const a = run(t);
  await a.publish(1);
  // Seq 3 is published before 2 (a second worker was faster): the publisher appends 2 first, from the document.
  a.doc.events.push({ seq: 2, type: 'STEP_STARTED', at: new Date(), step: null, assessment: snapshotOf(a.doc) });
  await a.publish(3);
  await a.publish(2);
  await a.publish(3);
  const entries = await pub.xrange(`${prefix}:assessment-events:${t.toHexString()}`, '-', '+');
  expect(entries.map(([, f]) => (JSON.parse(f[1]!) as { event: { seq: number } }).event.seq)).toEqual([1, 2, 3]);
});

test('an assessment whose first publish failed: its next event appends the missing first one before itself', async () => {
  const t = tenant();
  const a = run(t);
  // Seq 1 (QUEUED) is in the document only: its publish failed while Redis failed over.
  await a.publish(2);
  const entries = await pub.xrange(`${prefix}:assessment-events:${t.toHexString()}`, '-', '+');
  expect(entries.map(([, f]) => (JSON.parse(f[1]!) as { event: { seq: number } }).event.seq)).toEqual([1, 2]);
});

test('with its record expired, an old run is not repeated: only recent events are filled in', async () => {
  const t = tenant();
  const a = run(t);
  const old = new Date(Date.now() - 8 * 24 * 3600 * 1000);
  a.doc.events[0]!.at = old;
  for (const seq of [2, 3])
    a.doc.events.push({ seq, type: 'STEP_STARTED', at: old, step: null, assessment: snapshotOf(a.doc) });
  a.doc.events.push({ seq: 4, type: 'STEP_STARTED', at: new Date(), step: null, assessment: snapshotOf(a.doc) });
  await a.publish(5);
  const entries = await pub.xrange(`${prefix}:assessment-events:${t.toHexString()}`, '-', '+');
  expect(entries.map(([, f]) => (JSON.parse(f[1]!) as { event: { seq: number } }).event.seq)).toEqual([4, 5]);
});

test('a tenant-wide subscription shows each event once even when a failover made the stream repeat an assessment', async () => {
  const t = tenant();
  const h = hub();
  const a = run(t);
  // Only the tenant is read from the repository by this resolver.
  const repo = { tenantId: t } as unknown as AssessmentRepository;
  const sub = (await assessmentEvents(repo, h, null, { healer })) as AsyncGenerator<{
    assessmentEvents: { seq: number };
  }>;
  await a.publish(1, 2);
  // A promoted replica that had not received this assessment's record: the next event relays it all again.
  await pub.del(`${prefix}:assessment-published:${a.id}`);
  await a.publish(3);
  const entries = await pub.xrange(`${prefix}:assessment-events:${t.toHexString()}`, '-', '+');
  expect(entries.map(([, f]) => (JSON.parse(f[1]!) as { event: { seq: number } }).event.seq)).toEqual([1, 2, 1, 2, 3]);
  const seen: number[] = [];
  for await (const e of sub) {
    seen.push(e.assessmentEvents.seq);
    if (e.assessmentEvents.seq === 3) break;
  }
  expect(seen).toEqual([1, 2, 3]);
});

test('a listener from a cursor gets every later entry once, in order, then live ones', async () => {
  const t = tenant();
  const h = hub();
  const a = run(t);
  const b = run(t);
  const first = await h.listen(t.toHexString());
  await a.publish(1);
  const [seen] = await take(first, 1);
  first.close();
  // While nobody listens: two runs progress.
  await a.publish(2, 3);
  await b.publish(1, 2);
  const resumed = await h.listen(t.toHexString(), { after: seen!.cursor });
  await a.publish(4);
  const got = await take(resumed, 5);
  expect(got.map((e) => `${e.assessmentId === a.id ? 'a' : 'b'}${e.event.seq}`)).toEqual([
    'a2',
    'a3',
    'b1',
    'b2',
    'a4',
  ]);
  const cursors = got.map((e) => e.cursor);
  expect(new Set(cursors).size).toBe(5);
  resumed.close();
});

test('a cursor older than the stream (trimmed) or on an empty stream is refused with BAD_USER_INPUT; a malformed one too', async () => {
  const t = tenant();
  const h = hub();
  await expect(h.listen(t.toHexString(), { after: '1-0' })).rejects.toMatchObject({
    extensions: { code: 'BAD_USER_INPUT' },
    message: expect.stringMatching(/has expired/),
  });
  await run(t).publish(1, 2);
  await expect(h.listen(t.toHexString(), { after: '1-0' })).rejects.toMatchObject({
    extensions: { code: 'BAD_USER_INPUT' },
    message: expect.stringMatching(/has expired/),
  });
  await expect(h.listen(t.toHexString(), { after: 'seq:4' })).rejects.toMatchObject({
    extensions: { code: 'BAD_USER_INPUT' },
    message: expect.stringMatching(/expected a cursor/),
  });
  expect(h.size).toBe(0);
});

test("a cursor whose own entry a failover lost, inside the stream's range, resumes from the next entry", async () => {
  const t = tenant();
  const h = hub();
  const a = run(t);
  await a.publish(1, 2, 3);
  const key = `${prefix}:assessment-events:${t.toHexString()}`;
  const ids = (await pub.xrange(key, '-', '+')).map(([id]) => id);
  // The entry the client last saw is gone from the promoted replica.
  await pub.xdel(key, ids[1]!);
  const resumed = await h.listen(t.toHexString(), { after: ids[1]! });
  expect((await take(resumed, 1)).map((e) => [e.event.seq, e.cursor])).toEqual([[3, ids[2]]]);
  resumed.close();
});

test('a listener that falls behind ends with SlowConsumerError instead of buffering without bound', async () => {
  const t = tenant();
  const h = hub(3);
  const listener = await h.listen(t.toHexString());
  const a = run(t);
  await a.publish(1, 2, 3, 4, 5);
  // The follower reads on the doorbell; the listener says when it has been cut off.
  await waitFor(async () => listener.slow, 5000, 'the listener to be marked slow');
  const seen: number[] = [];
  await expect(
    (async () => {
      for await (const item of listener as AsyncIterable<HubItem>) if (!('resync' in item)) seen.push(item.event.seq);
    })(),
  ).rejects.toBeInstanceOf(SlowConsumerError);
  expect(seen).toEqual([1, 2, 3]);
});

test("a tenant's doorbell is subscribed while someone listens, and only then", async () => {
  const t = tenant();
  const h = hub();
  const channel = eventsDoorbell(prefix, t.toHexString());
  const numsub = async () => Number(((await pub.pubsub('NUMSUB', channel)) as [string, number])[1]);
  const a = await h.listen(t.toHexString());
  const b = await h.listen(t.toHexString());
  expect(await numsub()).toBe(1);
  await run(t).publish(1);
  expect((await Promise.all([take(a, 1), take(b, 1)])).map((x) => x[0]!.event.seq)).toEqual([1, 1]);
  expect(h.size).toBe(0);
  await waitFor(async () => (await numsub()) === 0, 2000, 'the doorbell to be unsubscribed');
});

test('many listeners of one tenant subscribing at once each get every event once', async () => {
  const t = tenant();
  const h = hub();
  const listeners = await Promise.all(Array.from({ length: 50 }, () => h.listen(t.toHexString())));
  const a = run(t);
  const all = Promise.all(listeners.map((l) => take(l, 3)));
  await a.publish(1, 2, 3);
  for (const got of await all) expect(got.map((e) => e.event.seq)).toEqual([1, 2, 3]);
  expect(h.size).toBe(0);
});
