import { schemaIn } from '../../shared/graphql/entities';
import type { SubgraphDefinition } from '../../shared/graphql/subgraph-server';
import { createLoaders } from './loaders';
import { TenantRepository } from './repository';
import { resolvers, type TenantContext } from './resolvers';

/** The tenant subgraph: tenants, their plans and limits, and the caller (viewer). */
export function tenantSubgraph(): SubgraphDefinition<TenantContext> {
  return {
    name: 'tenant',
    typeDefs: schemaIn(__dirname),
    resolvers: resolvers as never,
    ensureIndexes: TenantRepository.ensureIndexes,
    context(base, db) {
      const repo = new TenantRepository(db);
      return { ...base, repo, loaders: createLoaders(repo, base) };
    },
  };
}
