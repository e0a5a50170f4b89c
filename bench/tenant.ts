import type { Db, ObjectId } from 'mongodb';
import { BUILT_IN_PLAN_LIMITS, LIMIT_MAX } from '../shared/plans';
import { TenantRepository } from '../subgraphs/tenant/repository';

/**
 * A benchmark's tenant, written through the tenant subgraph's own repository: an ENTERPRISE plan
 * that allows any request rate, so the gateway's rate limits run on every request and subscribe
 * and never refuse one (a tenant the graph does not know gets the FREE plan's limits).
 */
export async function unlimitedTenant(db: Db, slug: string): Promise<ObjectId> {
  const plans = {
    ...BUILT_IN_PLAN_LIMITS,
    ENTERPRISE: { ...BUILT_IN_PLAN_LIMITS.ENTERPRISE, requestsPerMinute: LIMIT_MAX },
  };
  return (await new TenantRepository(db, plans).create({ slug, name: slug, plan: 'ENTERPRISE' }))._id;
}
