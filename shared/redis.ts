import { Redis, type RedisOptions } from 'ioredis';
import type { Config, HostPort } from './config';

/** Where Redis is: one server by URL, or the primary Sentinels name. */
export interface RedisTarget {
  url: string;
  /** When non-empty, the primary is asked of these Sentinels; `url` gives only credentials and db. */
  sentinels?: HostPort[];
  /** The primary's name in Sentinel. Default: mymaster. */
  sentinelName?: string;
  sentinelPassword?: string;
}

/** The Redis every client of a process uses, from REDIS_URL and REDIS_SENTINELS. */
export function redisTarget(
  config: Pick<Config, 'REDIS_URL' | 'REDIS_SENTINELS' | 'REDIS_SENTINEL_NAME' | 'REDIS_SENTINEL_PASSWORD'>,
): RedisTarget {
  return {
    url: config.REDIS_URL,
    sentinels: config.REDIS_SENTINELS,
    sentinelName: config.REDIS_SENTINEL_NAME,
    sentinelPassword: config.REDIS_SENTINEL_PASSWORD,
  };
}

/** Sentinel mode: the URL's password, username and db, and the Sentinels to ask for the primary. */
function sentinelOptions(target: RedisTarget): RedisOptions {
  const url = new URL(target.url);
  const db = Number(url.pathname.slice(1) || 0);
  return {
    sentinels: target.sentinels,
    name: target.sentinelName ?? 'mymaster',
    sentinelPassword: target.sentinelPassword,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    // A primary demoted by a failover answers writes with READONLY: reconnect, which asks the
    // Sentinels again and reaches the new primary, then resend the command.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  };
}

/**
 * Redis connections as BullMQ advises: workers block and must retry forever
 * (maxRetriesPerRequest: null); producers and publishers on the request path fail fast when
 * Redis is away (no offline queue), so an API call never hangs on it. With Sentinels, every
 * connection follows the primary through failovers.
 */
export function redisConnection(target: string | RedisTarget, role: 'worker' | 'producer'): Redis {
  const t: RedisTarget = typeof target === 'string' ? { url: target } : target;
  const opts: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: false }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 };
  const redis = t.sentinels?.length
    ? new Redis({ ...sentinelOptions(t), ...opts, lazyConnect: false })
    : new Redis(t.url, { ...opts, lazyConnect: false });
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
