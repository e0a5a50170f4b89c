import { randomBytes } from 'node:crypto';
import { ObjectId } from 'mongodb';
import pino from 'pino';
import { loadConfig } from '../../shared/config';
import { TEST_ENV } from '../support/secrets';
import { closeRedis, redisConnection, redisTarget, type RedisTarget } from '../../shared/redis';
import { EventHub, type HubItem } from '../../subgraphs/assessment/events/event-hub';
import { EventRelay } from '../../subgraphs/assessment/events/relay';
import { newAssessment, snapshotOf, type AssessmentDoc } from '../../subgraphs/assessment/store/model';
import { startSentinelCluster, type SentinelCluster } from '../support/redis-sentinel';
import { waitFor } from '../support/wait';

/** Every Redis client follows a Sentinel failover: commands, pub/sub doorbells and stream reads. */
let cluster: SentinelCluster;
let target: RedisTarget;
beforeAll(async () => {
  cluster = await startSentinelCluster();
  const config = loadConfig({ ...TEST_ENV, REDIS_SENTINELS: cluster.sentinels, REDIS_SENTINEL_NAME: cluster.name });
  target = redisTarget(config);
}, 60_000);
afterAll(async () => {
  await cluster?.close();
});

const portOf = async (redis: ReturnType<typeof redisConnection>) =>
  Number(/tcp_port:(\d+)/.exec(await redis.info('server'))![1]);

test('REDIS_SENTINELS is parsed, and a bad entry is named', () => {
  expect(loadConfig({ ...TEST_ENV, REDIS_SENTINELS: 'a.example:26379, [::1]:26380' }).REDIS_SENTINELS).toEqual([
    { host: 'a.example', port: 26379 },
    { host: '::1', port: 26380 },
  ]);
  expect(() => loadConfig({ ...TEST_ENV, REDIS_SENTINELS: 'a.example:26379,nope' })).toThrow(
    /REDIS_SENTINELS: expected a comma-separated list of host:port, received "nope"/,
  );
});

test('producer and worker connections, a stream listener and its doorbell all reach the new primary after a failover', async () => {
  const prefix = `hgtest-${randomBytes(4).toString('hex')}`;
  const producer = redisConnection(target, 'producer');
  const worker = redisConnection(target, 'worker');
  const sub = redisConnection(target, 'worker');
  const reader = redisConnection(target, 'worker');
  const silent = pino({ level: 'silent' });
  const hub = new EventHub({ subscriber: sub, reader, prefix, log: silent, maxBuffered: 1000, pollMs: 60_000 });
  const publisher = new EventRelay({ redis: producer, prefix, log: silent, maxLen: 1000 });
  try {
    const first = await cluster.primaryPort();
    await waitFor(
      async () => (await producer.set(`${prefix}:k`, 'before')) === 'OK',
      10_000,
      'the producer to connect',
    );
    expect(await portOf(worker)).toBe(first);
    const tenant = new ObjectId();
    const doc: AssessmentDoc = {
      ...newAssessment({
        candidateId: new ObjectId(),
        jobId: new ObjectId(),
        agents: ['skills'],
        idempotencyKey: null,
      }),
      tenantId: tenant,
    };
    const listener = await hub.listen(tenant.toHexString());
    const got: number[] = [];
    const reading = (async () => {
      for await (const item of listener as AsyncIterable<HubItem>) {
        if ('resync' in item) continue;
        got.push(item.event.seq);
        if (got.length === 3) break;
      }
    })();
    await publisher.publish(doc, doc.events);
    await waitFor(async () => got.length === 1, 10_000, 'seq 1 before the failover');

    const { from, to } = await cluster.failover();
    expect(to).not.toBe(from);
    // Each connection asks the Sentinels again and reaches the promoted replica.
    await waitFor(
      async () => (await producer.set(`${prefix}:k`, 'after').catch(() => null)) === 'OK',
      30_000,
      'a write through the producer',
    );
    await waitFor(
      async () => (await portOf(worker).catch(() => 0)) === to,
      30_000,
      'the worker connection on the new primary',
    );
    expect(await producer.get(`${prefix}:k`)).toBe('after');
    // The stream follower re-subscribed its doorbell on the new primary: later events arrive.
    for (const seq of [2, 3]) {
      doc.events.push({ seq, type: 'STEP_STARTED', at: new Date(), step: null, assessment: snapshotOf(doc) });
      doc.eventSeq = seq;
    }
    await waitFor(
      async () => {
        await publisher.publish(doc, doc.events.slice(1)).catch(() => undefined);
        return got.length === 3;
      },
      30_000,
      'seq 2 and 3 after the failover',
    );
    await reading;
    expect(got).toEqual([1, 2, 3]);
  } finally {
    hub.close();
    for (const r of [producer, worker, sub, reader]) await closeRedis(r);
  }
}, 90_000);
