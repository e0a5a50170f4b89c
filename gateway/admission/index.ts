import type { Registry } from 'prom-client';
import type { CleanupStack } from '../../shared/cleanup-stack';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { TenantRateLimiter } from '../../shared/rate-limits';
import { closeRedis, redisConnection, redisTarget } from '../../shared/redis';
import type { SubgraphTimeout } from '../execution/subgraph-timeout';
import { operationLimits } from './limits';
import { tenantRates } from './rates';
import { asTenantLimits, TenantLimitsCache } from './tenant-limits';

export interface AdmissionOptions {
  config: Config;
  /** Where the tenant subgraph answers limits reads. */
  tenantUrl: string;
  /** SUBGRAPH_TIMEOUT_MS for the limits reads. */
  timeout: SubgraphTimeout;
  registry: Registry;
  log: Logger;
  /** Where the rate limiter's Redis connection is closed. */
  cleanup: CleanupStack;
}

/**
 * The admission layer, what an operation must pass before it runs: the operation limits
 * (LIMIT_MAX_*), each tenant's limits as its tenant subgraph reports them, and the per-tenant and
 * per-user request rates counted in Redis, shared by every gateway.
 */
export function admission(opts: AdmissionOptions) {
  const { config } = opts;
  const redis = redisConnection(redisTarget(config), 'producer');
  opts.cleanup.defer(() => closeRedis(redis));
  const tenantLimits = new TenantLimitsCache({
    tenantUrl: opts.tenantUrl,
    ttlMs: config.TENANT_LIMITS_CACHE_MS,
    log: opts.log,
    fallback: asTenantLimits(config.PLAN_LIMITS_FREE),
    registry: opts.registry,
    timeout: opts.timeout,
  });
  return {
    limits: operationLimits(config),
    tenantLimits,
    rates: tenantRates(new TenantRateLimiter(redis, config.QUEUE_PREFIX), tenantLimits, config.RATE_LIMIT_USER_SHARE),
  };
}
