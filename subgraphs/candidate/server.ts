import { schemaIn } from '../../shared/graphql/entities';
import type { SubgraphDefinition } from '../../shared/graphql/subgraph-server';
import { createLoaders } from './loaders';
import { CandidateRepository } from './repository';
import { resolvers, type CandidateContext } from './resolvers';

/** The candidate subgraph: people, their profiles and resumes. */
export function candidateSubgraph(): SubgraphDefinition<CandidateContext> {
  return {
    name: 'candidate',
    typeDefs: schemaIn(__dirname),
    resolvers: resolvers as never,
    ensureIndexes: CandidateRepository.ensureIndexes,
    context(base, db) {
      const candidates = (access: Parameters<typeof base.tenant>[0]) => new CandidateRepository(db, base.tenant(access));
      return { ...base, candidates, loaders: createLoaders(() => candidates('read')) };
    },
  };
}
