import type DataLoader from 'dataloader';
import { batched, byArguments, type BatchObserver } from '../../../shared/graphql/loader';
import type { OperationReads } from '../../../shared/graphql/projection';
import type { AssessmentRepository } from './repository';
import type { AssessmentStatus } from './model';
import { ASSESSMENT_READS, type AssessmentRead } from './reads';
import type { AssessmentStats, AssessmentUsage } from './stats';

/** Assessments are read with only the fields the request's operation selects (ASSESSMENT_READS). */
export interface AssessmentLoaders {
  assessmentById: DataLoader<string, AssessmentRead | null>;
  /** A candidate's newest `first` assessments; keys with the same `first` share one query. */
  ofCandidate: DataLoader<{ id: string; first: number }, AssessmentRead[], string>;
  /** A job's newest `first` assessments of a status (or any); keys with the same arguments share one query. */
  ofJob: DataLoader<{ id: string; first: number; status: AssessmentStatus | null }, AssessmentRead[], string>;
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
  reads: OperationReads,
): AssessmentLoaders {
  // Taken when a batch runs: by then the operation is known.
  const projection = () => reads.projection(ASSESSMENT_READS);
  return {
    statsOfCandidate: batched('assessmentStatsOfCandidate', observe, (ids) => repo().stats('candidateId', ids)),
    statsOfJob: batched('assessmentStatsOfJob', observe, (ids) => repo().stats('jobId', ids)),
    usage: batched('usage', observe, usage),
    assessmentById: batched('assessmentById', observe, (ids) => repo().byIds(ids, projection())),
    ofCandidate: batched(
      'assessmentsOfCandidate',
      observe,
      byArguments(
        (k) => String(k.first),
        (ids, k) => repo().byParents('candidateId', ids, null, k.first, projection()),
      ),
      { cacheKeyFn: (k) => `${k.id}|${k.first}` },
    ),
    ofJob: batched(
      'assessmentsOfJob',
      observe,
      byArguments(
        (k) => `${k.first}|${k.status ?? ''}`,
        (ids, k) => repo().byParents('jobId', ids, k.status, k.first, projection()),
      ),
      { cacheKeyFn: (k) => `${k.id}|${k.first}|${k.status ?? ''}` },
    ),
  };
}
