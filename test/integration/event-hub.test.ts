import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { closeRedis, redisConnection } from '../../shared/redis';
import { EventHub, SlowConsumerError } from '../../subgraphs/assessment/event-hub';
import { eventsChannel } from '../../subgraphs/assessment/events';
import { REAL_REDIS_URL } from '../support/runs';
import { waitFor } from '../support/wait';

/** The subgraph's Redis fan-out: bounded per subscription, and unsubscribed when nobody listens. */
const prefix = `hgtest-${randomBytes(4).toString('hex')}`;
const sub = redisConnection(REAL_REDIS_URL, 'worker');
const pub = redisConnection(REAL_REDIS_URL, 'worker');
afterAll(async () => { await closeRedis(sub); await closeRedis(pub); });

const message = (seq: number) => JSON.stringify({ assessmentId: 'a', event: { seq, type: 'STEP_STARTED', at: new Date().toISOString(), step: null }, assessment: {} });

test('a listener that falls behind ends with SlowConsumerError instead of buffering without bound', async () => {
  const hub = new EventHub(sub, prefix, pino({ level: 'silent' }), 3);
  const listener = await hub.listen('t1');
  for (let i = 1; i <= 5; i++) await pub.publish(eventsChannel(prefix, 't1'), message(i));
  // Published messages reach the subscriber connection asynchronously; give them time to arrive.
  await new Promise((r) => setTimeout(r, 300));
  const seen: number[] = [];
  await expect((async () => { for await (const e of listener) seen.push(e.event.seq); })()).rejects.toBeInstanceOf(SlowConsumerError);
  expect(seen).toEqual([1, 2, 3]);
});

test('a tenant channel is subscribed while someone listens, and only then', async () => {
  const hub = new EventHub(sub, prefix, pino({ level: 'silent' }));
  const channel = eventsChannel(prefix, 't2');
  const numsub = async () => Number(((await pub.pubsub('NUMSUB', channel)) as [string, number])[1]);
  const a = await hub.listen('t2');
  const b = await hub.listen('t2');
  expect(await numsub()).toBe(1);
  await pub.publish(channel, message(1));
  const firstOf = async (l: typeof a) => { for await (const e of l) return e.event.seq; return null; };
  expect(await Promise.all([firstOf(a), firstOf(b)])).toEqual([1, 1]);
  expect(hub.size).toBe(0);
  await waitFor(async () => (await numsub()) === 0, 2000, 'the channel to be unsubscribed');
});
