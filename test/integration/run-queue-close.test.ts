import type { Redis } from 'ioredis';
import { closeRedis, redisConnection } from '../../shared/redis';
import { RunQueue } from '../../subgraphs/assessment/engine/queue';
import { holdRefusedPort, type RefusedPort } from '../support/refused-port';

/**
 * Shutting down while Redis has never answered. BullMQ waits for a shared connection to become
 * ready and reports a failed wait as an 'error' on its own connection object; closing a queue
 * removes that object's listeners. A queue closed while its wait is pending, on a connection then
 * ended in the middle of a connect attempt, used to leave one unhandled rejection per BullMQ object
 * (the CI flake "Redis unreachable at startAssessment").
 */
let down: RefusedPort;
/** The next such event; unlike events.once, a connection error meanwhile is no failure here. */
const next = (redis: Redis, event: string) => new Promise<void>((resolve) => redis.once(event, () => resolve()));
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => void rejections.push(reason);
beforeAll(async () => {
  down = await holdRefusedPort();
  process.on('unhandledRejection', onRejection);
});
afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await down?.close();
});

test('closing a run queue, then its connection, while Redis is refused leaves no unhandled rejection', async () => {
  const redis = redisConnection(down.url('redis'), 'producer');
  const queue = new RunQueue({ connection: redis, prefix: 'never-ready', attempts: 1, backoffMs: 1 });
  // A first refusal, so BullMQ holds an error to fail its wait with, then the next attempt under way:
  // the window a loaded CI machine shuts down in.
  await next(redis, 'error');
  await next(redis, 'connecting');
  expect(redis.status).toBe('connecting');
  const ended = next(redis, 'end');
  await queue.close();
  await closeRedis(redis);
  await ended;
  // Rejections are reported once the microtasks after 'end' have run: one turn of the loop.
  await new Promise((resolve) => setImmediate(resolve));
  expect(rejections).toEqual([]);
});
