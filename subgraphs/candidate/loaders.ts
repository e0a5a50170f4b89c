import DataLoader from 'dataloader';
import type { CandidateDoc, CandidateRepository } from './repository';

export interface CandidateLoaders {
  candidateById: DataLoader<string, CandidateDoc | null>;
}

/** Created once per request; ids must already be valid hex (resolvers check). */
export function createLoaders(repo: () => CandidateRepository): CandidateLoaders {
  return { candidateById: new DataLoader((ids) => repo().byIds(ids)) };
}
