import { schemaIn } from '../../shared/graphql/entities';
import { WORKER_READS } from '../../shared/service-reads';
import { usageFor } from '../../shared/mongo/tenant-counts';
import { EntityClient } from '../../shared/graphql/entity-client';
import type { SubgraphDefinition } from '../../shared/graphql/subgraph-server';
import { createLoaders } from './loaders';
import { CandidateRepository } from './repository';
import { resolvers, type CandidateContext } from './resolvers';

/** The candidate subgraph: people, their profiles and resumes. */
export function candidateSubgraph(opts: { tenantUrl: string }): SubgraphDefinition<CandidateContext> {
  const tenantOwner = new EntityClient(opts.tenantUrl, 'Tenant');
  return {
    name: 'candidate',
    // The worker's validation step reads a run's candidate with its service token.
    serviceReads: { Candidate: WORKER_READS.Candidate },
    typeDefs: schemaIn(__dirname),
    resolvers,
    ensureIndexes: CandidateRepository.ensureIndexes,
    context(base, db) {
      const candidates = (access: Parameters<typeof base.tenant>[0]) =>
        new CandidateRepository(db, base.tenant(access));
      const usage = (ids: readonly string[]) =>
        usageFor(base.principal(), ids, { candidates: 0 }, (t) => CandidateRepository.usage(db, t));
      return {
        ...base,
        candidates,
        tenantOwner,
        loaders: createLoaders(() => candidates('read'), base.observeBatch, usage, base.reads),
      };
    },
  };
}
