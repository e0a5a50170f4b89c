import { randomBytes } from 'node:crypto';
import { ObjectId } from 'mongodb';
import pino from 'pino';
import { closeRedis, redisConnection } from '../../shared/redis';
import { EventHub, type HubItem, type Listener, type StreamEvent } from '../../subgraphs/assessment/events/event-hub';
import { eventStreamKey } from '../../subgraphs/assessment/events/relay';
import { REAL_REDIS_URL } from '../support/runs';

/**
 * Issue 21: assessmentEvents(after:) replayed the tenant's whole stream in one XRANGE. Now it reads
 * COUNT-sized pages, the next only after the subscriber took the last, and at most a cap per
 * subscribe. Against real Redis; the reader's XRANGE replies are recorded (sizes only) as they pass.
 */
const prefix = `hgtest-${randomBytes(4).toString('hex')}`;
const silent = pino({ level: 'silent' });
const sub = redisConnection(REAL_REDIS_URL, 'worker');
const reader = redisConnection(REAL_REDIS_URL, 'worker');
const writer = redisConnection(REAL_REDIS_URL, 'worker');
const hubs: EventHub[] = [];
/** Entries each XRANGE of the hub's reader returned. */
const reads: number[] = [];
const xrange = reader.xrange.bind(reader) as (...a: unknown[]) => Promise<unknown[]>;
(reader as unknown as { xrange: (...a: unknown[]) => Promise<unknown[]> }).xrange = async (...a: unknown[]) => {
  const out = await xrange(...a);
  reads.push(out.length);
  return out;
};
const hub = (page: number, max: number) => {
  const h = new EventHub({
    subscriber: sub,
    reader,
    prefix,
    log: silent,
    maxBuffered: 1000,
    pollMs: 60_000,
    replay: { page, max },
  });
  hubs.push(h);
  return h;
};
afterAll(async () => {
  for (const h of hubs) h.close();
  for (const k of await writer.keys(`${prefix}:*`)) await writer.del(k);
  await Promise.all([closeRedis(sub), closeRedis(reader), closeRedis(writer)]);
});

/** Appends `n` events of one assessment to a tenant's stream; returns their ids in order. */
async function append(tenant: string, n: number, from = 1): Promise<string[]> {
  const assessmentId = new ObjectId().toHexString();
  const pipeline = writer.multi();
  for (let i = 0; i < n; i++) {
    const event = {
      assessmentId,
      event: { seq: from + i, type: 'STEP_STARTED', at: new Date(), step: null },
      assessment: {},
    };
    pipeline.xadd(eventStreamKey(prefix, tenant), '*', 'e', JSON.stringify(event));
  }
  return ((await pipeline.exec()) ?? []).map(([, id]) => id as string);
}

async function take(listener: Listener, n: number): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  const it = (listener as AsyncIterable<HubItem>)[Symbol.asyncIterator]();
  while (out.length < n) {
    const { value, done } = await it.next();
    if (done) break;
    if (!('resync' in value)) out.push(value);
  }
  return out;
}

test('a subscribe 2,000 events behind reads pages of COUNT, each only after the last was taken', async () => {
  const tenant = new ObjectId().toHexString();
  const ids = await append(tenant, 2001);
  reads.length = 0;
  const listener = await hub(50, 10_000).listen(tenant, { after: ids[0] });
  // Subscribing read one page (and the cursor's own entry), not the 2,000 behind it.
  expect(reads).toEqual([51]);
  const it = (listener as AsyncIterable<HubItem>)[Symbol.asyncIterator]();
  const next = async (): Promise<StreamEvent> => {
    for (;;) {
      const { value } = await it.next();
      if (!('resync' in value)) return value as StreamEvent;
    }
  };
  const got = [await next()];
  expect(got[0]!.cursor).toBe(ids[1]);
  expect(reads).toEqual([51]);
  while (got.length < 2000) {
    got.push(await next());
    // Never more than one page ahead of what the subscriber took.
    expect(reads.reduce((a, b) => a + b, 0) - 1).toBeLessThanOrEqual(got.length + 50);
  }
  expect(got.map((e) => e.cursor)).toEqual(ids.slice(1));
  expect(Math.max(...reads)).toBeLessThanOrEqual(51);
  // Then live: an event appended now arrives once, after the backlog.
  const [live] = await append(tenant, 1, 5000);
  expect((await take(listener, 1)).map((e) => e.cursor)).toEqual([live]);
  listener.close();
});

test('a subscribe further behind than EVENT_REPLAY_MAX gets that many events, then BAD_USER_INPUT saying where to resume', async () => {
  const tenant = new ObjectId().toHexString();
  const ids = await append(tenant, 301);
  const listener = await hub(40, 100).listen(tenant, { after: ids[0] });
  const got: string[] = [];
  const error = await (async () => {
    try {
      for await (const item of listener as AsyncIterable<HubItem>) if (!('resync' in item)) got.push(item.cursor);
    } catch (err) {
      return err as { message: string; extensions?: { code?: string } };
    }
    return null;
  })();
  expect(got).toEqual(ids.slice(1, 101));
  expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(error?.message).toContain(`expected a cursor at most 100 events behind, received ${ids[0]}`);
  expect(error?.message).toContain(`resubscribe with after ${ids[100]}`);
  // Resuming where it said continues without a gap; a cursor within the cap replays to the end.
  const next = await hub(40, 1000).listen(tenant, { after: ids[100] });
  expect((await take(next, 200)).map((e) => e.cursor)).toEqual(ids.slice(101));
  next.close();
});
