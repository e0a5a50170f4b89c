import { randomBytes } from 'node:crypto';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import pino from 'pino';
import { closeRedis, redisConnection } from '../../shared/redis';
import { EventHub, type Listener } from '../../subgraphs/assessment/events/event-hub';
import { EventHealer, type RunEvent } from '../../subgraphs/assessment/events/healer';
import { EventRelay, eventStreamKey } from '../../subgraphs/assessment/events/relay';
import {
  newAssessment,
  snapshotOf,
  type AssessmentDoc,
  type AssessmentStatus,
  type EventDoc,
} from '../../subgraphs/assessment/store/model';
import { AssessmentRepository, RunRecovery } from '../../subgraphs/assessment/store/repository';
import { startTestMongo, uniqueDbName, type TestMongo } from '../support/mongo';
import { REAL_REDIS_URL } from '../support/runs';

/**
 * The relay (MongoDB's record into the tenant stream) and the healer (the record back to readers
 * for what the stream lacks), against real Redis and the test MongoDB.
 */
const prefix = `hgtest-${randomBytes(4).toString('hex')}`;
const silent = pino({ level: 'silent' });
const sub = redisConnection(REAL_REDIS_URL, 'worker');
const reader = redisConnection(REAL_REDIS_URL, 'worker');
const pub = redisConnection(REAL_REDIS_URL, 'worker');
const pub2 = redisConnection(REAL_REDIS_URL, 'worker');
const relay = new EventRelay({ redis: pub, prefix, log: silent, maxLen: 1000 });
const hub = new EventHub({ subscriber: sub, reader, prefix, log: silent, pollMs: 60_000 });
// Its silence check stays out of the way; the test of that check has a healer of its own.
const healer = new EventHealer({ silenceMs: 60_000, log: silent });
const dbName = uniqueDbName('relay-healer');
let mongo: TestMongo;
let client: MongoClient;
let db: Db;
beforeAll(async () => {
  mongo = await startTestMongo();
  client = new MongoClient(mongo.uri);
  await client.connect();
  db = client.db(dbName);
});
afterAll(async () => {
  hub.close();
  healer.close();
  for (const k of await pub.keys(`${prefix}:*`)) await pub.del(k);
  await Promise.all([sub, reader, pub, pub2].map((r) => closeRedis(r)));
  await db.dropDatabase();
  await client.close();
  await mongo.close();
});

/** A run stored in MongoDB; `grow` records its next event there (each with its own snapshot), as a transition would. */
async function storedRun() {
  const tenantId = new ObjectId();
  const doc: AssessmentDoc = {
    ...newAssessment({ candidateId: new ObjectId(), jobId: new ObjectId(), agents: ['skills'], idempotencyKey: null }),
    tenantId,
  };
  const coll = db.collection<AssessmentDoc>('assessments');
  await coll.insertOne(doc);
  return {
    doc,
    tenantId,
    repo: new AssessmentRepository(db, tenantId),
    async grow(type: EventDoc['type'], status: AssessmentStatus, score: number | null = null): Promise<EventDoc> {
      Object.assign(doc, { status, score, eventSeq: doc.eventSeq + 1 });
      // Changed a few seconds ago: inside the window the relay's catch-up looks at.
      doc.updatedAt = new Date(Date.now() - 3000);
      const e: EventDoc = { seq: doc.eventSeq, type, at: new Date(), step: null, assessment: snapshotOf(doc) };
      doc.events.push(e);
      await coll.replaceOne({ _id: doc._id }, doc);
      return e;
    },
  };
}

async function streamSeqs(tenantId: ObjectId): Promise<number[]> {
  const entries = await pub.xrange(eventStreamKey(prefix, tenantId.toHexString()), '-', '+');
  return entries.map(([, f]) => (JSON.parse(f[1]!) as { event: { seq: number } }).event.seq);
}

async function collect(events: AsyncIterable<RunEvent>): Promise<Array<[number, string, number | null]>> {
  const out: Array<[number, string, number | null]> = [];
  for await (const e of events) out.push([e.event.seq, e.assessment.status, e.assessment.score]);
  return out;
}

const listen = (tenantId: ObjectId, assessmentId?: string): Promise<Listener> =>
  hub.listen(tenantId.toHexString(), assessmentId ? { assessmentId } : {});

test('a publish lost while Redis was away is relayed by the next catch-up, in order, once', async () => {
  const r = await storedRun();
  await relay.publish(r.doc, r.doc.events);
  // Recorded in MongoDB, never published (the process died, or Redis was away): nothing follows them.
  await r.grow('STARTED', 'RUNNING');
  await r.grow('COMPLETED', 'COMPLETED', 80);
  expect(await streamSeqs(r.tenantId)).toEqual([1]);
  const recovery = new RunRecovery(db);
  expect(await relay.relayBehind(recovery)).toBeGreaterThanOrEqual(1);
  expect(await streamSeqs(r.tenantId)).toEqual([1, 2, 3]);
  // Caught up: another pass appends nothing of this run.
  await relay.relayBehind(recovery);
  expect(await streamSeqs(r.tenantId)).toEqual([1, 2, 3]);
});

test('two relays racing over the same run append each seq once, in seq order', async () => {
  const r = await storedRun();
  for (let i = 0; i < 8; i++) await r.grow('STEP_STARTED', 'RUNNING');
  const other = new EventRelay({ redis: pub2, prefix, log: silent, maxLen: 1000 });
  const evens = r.doc.events.filter((e) => e.seq % 2 === 0);
  const odds = r.doc.events.filter((e) => e.seq % 2 === 1);
  await Promise.all([
    relay.publish(r.doc, [...evens].reverse()),
    other.publish(r.doc, odds),
    other.publish(r.doc, r.doc.events),
    relay.relayBehind(new RunRecovery(db)),
  ]);
  expect(await streamSeqs(r.tenantId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('a per-run reader fills a gap in the stream from MongoDB, each event with its own stored snapshot', async () => {
  const r = await storedRun();
  await relay.publish(r.doc, r.doc.events);
  const listener = await listen(r.tenantId, r.doc._id.toHexString());
  const events = healer.run({ repo: r.repo, listener, doc: { ...r.doc, events: [...r.doc.events] }, after: 1 });
  const got = collect(events);
  await r.grow('STARTED', 'RUNNING');
  await r.grow('STEP_SUCCEEDED', 'RUNNING', 40);
  const last = await r.grow('COMPLETED', 'COMPLETED', 80);
  // The stream lost seq 2 and 3 (a failover that dropped them and their record): only 4 arrives.
  await pub.set(`${prefix}:assessment-published:${r.doc._id.toHexString()}`, '3');
  await relay.publish(r.doc, [last]);
  expect(await streamSeqs(r.tenantId)).toEqual([1, 4]);
  expect(await got).toEqual([
    [2, 'RUNNING', null],
    [3, 'RUNNING', 40],
    [4, 'COMPLETED', 80],
  ]);
  expect(healer.size).toBe(0);
});

test('a silent per-run reader behind MongoDB is woken by the silence check and reads the rest from MongoDB', async () => {
  const r = await storedRun();
  await relay.publish(r.doc, r.doc.events);
  const listener = await listen(r.tenantId, r.doc._id.toHexString());
  const checking = new EventHealer({ silenceMs: 200, log: silent });
  const got = collect(checking.run({ repo: r.repo, listener, doc: { ...r.doc, events: [...r.doc.events] }, after: 1 }));
  // The run's last events were recorded but their publish was lost: the stream stays silent.
  await r.grow('STARTED', 'RUNNING');
  await r.grow('FAILED', 'FAILED');
  // Nothing arrives through the stream: only the healer's own check, within a few of its periods, wakes the reader.
  expect(await got).toEqual([
    [2, 'RUNNING', null],
    [3, 'FAILED', null],
  ]);
  checking.close();
  expect(checking.size).toBe(0);
  expect(await streamSeqs(r.tenantId)).toEqual([1]);
});

test('a tenant-wide reader fills a gap of an assessment it already delivered from MongoDB', async () => {
  const r = await storedRun();
  const listener = await listen(r.tenantId);
  const seen: Array<[number, string]> = [];
  const reading = (async () => {
    for await (const e of healer.tenant(r.repo, listener)) {
      seen.push([e.event.seq, e.cursor]);
      if (e.event.seq === 4) break;
    }
  })();
  await relay.publish(r.doc, r.doc.events);
  await r.grow('STARTED', 'RUNNING');
  await r.grow('STEP_STARTED', 'RUNNING');
  const last = await r.grow('COMPLETED', 'COMPLETED', 90);
  await pub.set(`${prefix}:assessment-published:${r.doc._id.toHexString()}`, '3');
  await relay.publish(r.doc, [last]);
  await reading;
  listener.close();
  const entries = await pub.xrange(eventStreamKey(prefix, r.tenantId.toHexString()), '-', '+');
  const [first, fourth] = [entries[0]![0], entries[1]![0]];
  // Healed events carry the cursor of the entry that revealed the gap: resuming after it skips none.
  expect(seen).toEqual([
    [1, first],
    [2, fourth],
    [3, fourth],
    [4, fourth],
  ]);
});
