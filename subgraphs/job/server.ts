import { EntityClient } from '../../shared/graphql/entity-client';
import { schemaIn } from '../../shared/graphql/entities';
import { usageFor } from '../../shared/mongo/tenant-counts';
import type { SubgraphDefinition } from '../../shared/graphql/subgraph-server';
import { WORKER_READS } from '../../shared/service-reads';
import { createLoaders } from './loaders';
import { JobRepository } from './repository';
import { resolvers, type JobContext } from './resolvers';

export interface JobSubgraphOptions {
  /** The candidate subgraph's URL, to check candidate references (CANDIDATE_URL). */
  candidateUrl: string;
}

/** The job subgraph: jobs, applications, and each candidate's applications. */
export function jobSubgraph(opts: JobSubgraphOptions): SubgraphDefinition<JobContext> {
  const candidateOwner = new EntityClient(opts.candidateUrl, 'Candidate');
  return {
    name: 'job',
    // The worker's validation step reads a run's job with its service token.
    serviceReads: { Job: WORKER_READS.Job },
    typeDefs: schemaIn(__dirname),
    resolvers,
    ensureIndexes: JobRepository.ensureIndexes,
    context(base, db) {
      const jobs = (access: Parameters<typeof base.tenant>[0]) => new JobRepository(db, base.tenant(access));
      const usage = (ids: readonly string[]) =>
        usageFor(base.principal(), ids, { jobs: 0, openJobs: 0, applications: 0 }, (t) => JobRepository.usage(db, t));
      return {
        ...base,
        jobs,
        candidateOwner,
        loaders: createLoaders(() => jobs('read'), base.observeBatch, usage, base.reads),
      };
    },
  };
}
