import type DataLoader from 'dataloader';
import { batched, type BatchObserver } from '../../shared/graphql/loader';
import type { OperationReads } from '../../shared/graphql/projection';
import type { CandidateRepository } from './repository';
import { CANDIDATE_READS, type CandidateRead } from './reads';

export interface CandidateLoaders {
  /** Reads only the fields the request's operation selects (CANDIDATE_READS). */
  candidateById: DataLoader<string, CandidateRead | null>;
  /** A tenant's usage counts, by tenant id. */
  usage: DataLoader<string, { candidates: number }>;
}

/** Created once per request; ids must already be valid hex (resolvers check). */
export function createLoaders(
  repo: () => CandidateRepository,
  observe: BatchObserver,
  usage: (tenantIds: readonly string[]) => Promise<Array<{ candidates: number }>>,
  reads: OperationReads,
): CandidateLoaders {
  return {
    // The projection is taken when the batch runs: by then the operation is known.
    candidateById: batched('candidateById', observe, (ids) => repo().byIds(ids, reads.projection(CANDIDATE_READS))),
    usage: batched('usage', observe, usage),
  };
}
