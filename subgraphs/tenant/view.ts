import type { Connection } from '../../shared/pagination';
import type { Tenant } from './generated/resolvers-types';
import type { TenantDoc } from './model';

/**
 * A tenant as the graph shows it: what Tenant's resolvers get as their parent. It satisfies the
 * schema's Tenant, so a field added there without a resolver fails to compile until it is here.
 */
export function toTenant(doc: TenantDoc) {
  return {
    id: doc._id.toHexString(),
    slug: doc.slug,
    name: doc.name,
    plan: doc.plan,
    limits: { ...doc.limits, maxQueryCost: doc.limits.maxQueryCost ?? null },
    createdAt: doc.createdAt,
    // Counted by the subgraphs that own the collections (TenantUsage's other fields).
    usage: { tenantId: doc._id.toHexString() },
  } satisfies Tenant;
}

export type TenantView = ReturnType<typeof toTenant>;
export type TenantConnectionView = Connection<TenantView>;
