import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { Principal } from '../../shared/auth';
import type { TenantRateLimiter } from '../../shared/rate-limits';
import type { GatewayContext } from '../context';
import { tenantOf, type TenantLimitsCache } from './tenant-limits';

/** The tenants whose limits an operation may change: the caller's (updateTenant), the one named (setTenantPlan). */
function changedTenants(
  operation: OperationDefinitionNode | undefined | null,
  variables: Record<string, unknown> | undefined,
  callerTenant: string | null,
): string[] {
  const out: string[] = [];
  for (const s of operation?.selectionSet.selections ?? []) {
    if (s.kind !== Kind.FIELD) continue;
    if (s.name.value === 'updateTenant' && callerTenant) out.push(callerTenant);
    if (s.name.value !== 'setTenantPlan') continue;
    const id = s.arguments?.find((a) => a.name.value === 'id')?.value;
    const value = id?.kind === Kind.STRING ? id.value : id?.kind === Kind.VARIABLE ? variables?.[id.name.value] : null;
    if (typeof value === 'string') out.push(value);
  }
  return out;
}

/**
 * `requestsPerMinute` from the tenant's limits, for every operation of a tenant's caller, over
 * HTTP and for each subscribe. The budget lives in Redis, so every gateway shares it.
 * Inside it, each user (token subject) has a budget of its own, `userShare` of the tenant's (rounded
 * up), taken first: one user cannot spend the whole tenant's budget, and what a user is refused
 * does not count against the tenant.
 */
export function tenantRates(limiter: TenantRateLimiter, cache: TenantLimitsCache, userShare: number) {
  const check = async (
    principal: Principal | null,
    authorization: string | undefined,
    requestId: string,
  ): Promise<void> => {
    const tenant = tenantOf(principal);
    if (!tenant || !principal) return;
    const { requestsPerMinute } = await cache.get(tenant, authorization, requestId);
    if (userShare < 1) {
      const perUser = Math.max(1, Math.ceil(requestsPerMinute * userShare));
      await limiter.consume(
        `${tenant}:${principal.userId}`,
        'rpm-user',
        perUser,
        60,
        `requests per minute (RATE_LIMIT_USER_SHARE ${userShare} of the tenant's ${requestsPerMinute})`,
        `user "${principal.userId.slice(0, 100)}"'s`,
      );
    }
    await limiter.consume(tenant, 'rpm', requestsPerMinute, 60, 'requests per minute');
  };
  const plugin: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue }) {
          await check(contextValue.principal, contextValue.authorization, contextValue.requestId);
        },
        async willSendResponse({ contextValue, operation, request }) {
          // This gateway sees new limits at once; the others within TENANT_LIMITS_CACHE_MS.
          for (const tenant of changedTenants(operation, request.variables, tenantOf(contextValue.principal)))
            cache.forget(tenant);
        },
      };
    },
  };
  return { plugin, beforeSubscribe: check };
}
