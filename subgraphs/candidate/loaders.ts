import type DataLoader from 'dataloader';
import { batched, type BatchObserver } from '../../shared/graphql/loader';
import type { CandidateRepository } from './repository';
import type { CandidateDoc } from './model';

export interface CandidateLoaders {
  candidateById: DataLoader<string, CandidateDoc | null>;
  /** A tenant's usage counts, by tenant id. */
  usage: DataLoader<string, { candidates: number }>;
}

/** Created once per request; ids must already be valid hex (resolvers check). */
export function createLoaders(
  repo: () => CandidateRepository,
  observe: BatchObserver,
  usage: (tenantIds: readonly string[]) => Promise<Array<{ candidates: number }>>,
): CandidateLoaders {
  return {
    candidateById: batched('candidateById', observe, (ids) => repo().byIds(ids)),
    usage: batched('usage', observe, usage),
  };
}
