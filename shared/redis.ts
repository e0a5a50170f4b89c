import { Redis, type RedisOptions } from 'ioredis';

/**
 * Redis connections as BullMQ advises: workers block and must retry forever
 * (maxRetriesPerRequest: null); producers and publishers on the request path fail fast when
 * Redis is away (no offline queue), so an API call never hangs on it.
 */
export function redisConnection(url: string, role: 'worker' | 'producer'): Redis {
  const opts: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: false }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 };
  const redis = new Redis(url, { ...opts, lazyConnect: false });
  // Connection errors are retried by ioredis; callers see failures on their commands.
  redis.on('error', () => undefined);
  return redis;
}

/** Closes a connection, politely if it is up. Safe to call twice. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
