import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { errors } from './errors';

/** Limiters kept per process, one per distinct (kind, limit); the oldest is dropped past this. */
const MAX_LIMITERS = 1000;

/**
 * Per-tenant (and per-user) budgets in Redis, so every gateway (or subgraph replica) draws from the same one.
 * Budgets differ per tenant, so there is one limiter per (kind, points) and the tenant is the key.
 * If Redis fails, an in-memory limiter per process takes over rather than refusing every request.
 */
export class TenantRateLimiter {
  // Each distinct limit an admin sets makes a limiter; keep the most recent ones, not all ever seen.
  private readonly limiters = new LRUCache<string, RateLimiterRedis>({ max: MAX_LIMITERS });

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private limiter(kind: string, points: number, durationSeconds: number): RateLimiterRedis {
    const key = `${kind}:${points}:${durationSeconds}`;
    let l = this.limiters.get(key);
    if (!l) {
      l = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: `${this.prefix}:rate:${kind}`,
        points,
        duration: durationSeconds,
        insuranceLimiter: new RateLimiterMemory({ points, duration: durationSeconds }),
      });
      this.limiters.set(key, l);
    }
    return l;
  }

  /**
   * Takes one unit of `kind` for `key` (a tenant id, or tenant and user); RATE_LIMITED (with
   * retryAfterSeconds) when none is left, the message naming `whose` limit it was.
   */
  async consume(
    key: string,
    kind: string,
    points: number,
    durationSeconds: number,
    what: string,
    whose = "the tenant's",
  ): Promise<void> {
    try {
      await this.limiter(kind, points, durationSeconds).consume(key);
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      const retryAfterSeconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      throw errors.rateLimited(
        `${whose} limit of ${points} ${what} is used up; retry in ${retryAfterSeconds} s`,
        retryAfterSeconds,
      );
    }
  }
}
