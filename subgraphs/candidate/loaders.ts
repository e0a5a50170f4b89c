import type DataLoader from 'dataloader';
import { batched, type BatchObserver } from '../../shared/graphql/loader';
import type { CandidateDoc, CandidateRepository } from './repository';

export interface CandidateLoaders {
  candidateById: DataLoader<string, CandidateDoc | null>;
}

/** Created once per request; ids must already be valid hex (resolvers check). */
export function createLoaders(repo: () => CandidateRepository, observe: BatchObserver): CandidateLoaders {
  return { candidateById: batched('candidateById', observe, (ids) => repo().byIds(ids)) };
}
