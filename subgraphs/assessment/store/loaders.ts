import type DataLoader from 'dataloader';
import { batched, byArguments, type BatchObserver } from '../../../shared/graphql/loader';
import type { AssessmentRepository } from './repository';
import type { AssessmentDoc, AssessmentStatus } from './model';
import type { AssessmentStats, AssessmentUsage } from './stats';

export interface AssessmentLoaders {
  assessmentById: DataLoader<string, AssessmentDoc | null>;
  /** A candidate's newest `first` assessments; keys with the same `first` share one query. */
  ofCandidate: DataLoader<{ id: string; first: number }, AssessmentDoc[], string>;
  /** A job's newest `first` assessments of a status (or any); keys with the same arguments share one query. */
  ofJob: DataLoader<{ id: string; first: number; status: AssessmentStatus | null }, AssessmentDoc[], string>;
  statsOfCandidate: DataLoader<string, AssessmentStats>;
  statsOfJob: DataLoader<string, AssessmentStats>;
  /** A tenant's usage counts, by tenant id. */
  usage: DataLoader<string, AssessmentUsage>;
}

/** Created once per request. */
export function createLoaders(
  repo: () => AssessmentRepository,
  observe: BatchObserver,
  usage: (tenantIds: readonly string[]) => Promise<AssessmentUsage[]>,
): AssessmentLoaders {
  return {
    statsOfCandidate: batched('assessmentStatsOfCandidate', observe, (ids) => repo().stats('candidateId', ids)),
    statsOfJob: batched('assessmentStatsOfJob', observe, (ids) => repo().stats('jobId', ids)),
    usage: batched('usage', observe, usage),
    assessmentById: batched('assessmentById', observe, (ids) => repo().byIds(ids)),
    ofCandidate: batched(
      'assessmentsOfCandidate',
      observe,
      byArguments(
        (k) => String(k.first),
        (ids, k) => repo().byParents('candidateId', ids, null, k.first),
      ),
      { cacheKeyFn: (k) => `${k.id}|${k.first}` },
    ),
    ofJob: batched(
      'assessmentsOfJob',
      observe,
      byArguments(
        (k) => `${k.first}|${k.status ?? ''}`,
        (ids, k) => repo().byParents('jobId', ids, k.status, k.first),
      ),
      { cacheKeyFn: (k) => `${k.id}|${k.first}|${k.status ?? ''}` },
    ),
  };
}
