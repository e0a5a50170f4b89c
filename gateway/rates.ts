import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Principal } from '../shared/auth';
import { ErrorCode } from '../shared/errors';
import type { TenantRateLimiter } from '../shared/rate-limits';
import { tenantOf, type TenantLimitsCache } from './tenant-limits';

interface RateContext {
  requestId: string;
  authorization: string | undefined;
  principal: Principal | null;
}

/**
 * `requestsPerMinute` from the tenant's limits, for every operation of a tenant's caller, over
 * HTTP and for each subscribe. The budget lives in Redis, so every gateway shares it.
 */
export function tenantRates(limiter: TenantRateLimiter, cache: TenantLimitsCache) {
  const check = async (
    principal: Principal | null,
    authorization: string | undefined,
    requestId: string,
  ): Promise<void> => {
    const tenant = tenantOf(principal);
    if (!tenant) return;
    const limits = await cache.get(tenant, authorization, requestId);
    if (!limits) return;
    await limiter.consume(tenant, 'rpm', limits.requestsPerMinute, 60, 'requests per minute');
  };
  const plugin: ApolloServerPlugin<RateContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue }) {
          try {
            await check(contextValue.principal, contextValue.authorization, contextValue.requestId);
          } catch (err) {
            const e = err as GraphQLError;
            if (e.extensions?.code !== ErrorCode.RATE_LIMITED) throw err;
            throw new GraphQLError(e.message, { extensions: { ...e.extensions, http: { status: 429 } } });
          }
        },
        async willSendResponse({ contextValue, operation }) {
          // This gateway sees new limits at once; the others within TENANT_LIMITS_CACHE_MS.
          const tenant = tenantOf(contextValue.principal);
          const updates = operation?.selectionSet.selections.some(
            (s) => s.kind === 'Field' && s.name.value === 'updateTenant',
          );
          if (tenant && updates) cache.forget(tenant);
        },
      };
    },
  };
  return { plugin, beforeSubscribe: check };
}
