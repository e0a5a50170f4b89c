import { planLimitsOf, type Config } from '../../shared/config';
import { schemaIn } from '../../shared/graphql/entities';
import type { SubgraphDefinition } from '../../shared/graphql/subgraph-server';
import { createLoaders } from './loaders';
import { TenantRepository } from './repository';
import { resolvers, type TenantContext } from './resolvers';

/** The tenant subgraph: tenants, their plans and limits (PLAN_LIMITS_*), and the caller (viewer). */
export function tenantSubgraph(config: Config): SubgraphDefinition<TenantContext> {
  const plans = planLimitsOf(config);
  return {
    name: 'tenant',
    typeDefs: schemaIn(__dirname),
    resolvers,
    ensureIndexes: TenantRepository.ensureIndexes,
    context(base, db) {
      const repo = new TenantRepository(db, plans);
      return { ...base, repo, loaders: createLoaders(repo, base), defaultMaxCost: config.LIMIT_MAX_COST };
    },
  };
}
