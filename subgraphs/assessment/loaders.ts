import type DataLoader from 'dataloader';
import { batched, type BatchObserver } from '../../shared/graphql/loader';
import type { AssessmentRepository } from './repository';
import type { AssessmentDoc, AssessmentStatus } from './model';
import type { AssessmentStats, AssessmentUsage } from './stats';

export interface AssessmentLoaders {
  assessmentById: DataLoader<string, AssessmentDoc | null>;
  ofCandidate: DataLoader<string, AssessmentDoc[]>;
  /** Keyed by job id and status filter; keys with the same status share one query. */
  ofJob: DataLoader<{ jobId: string; status: AssessmentStatus | null }, AssessmentDoc[], string>;
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
    ofCandidate: batched('assessmentsOfCandidate', observe, (ids) => repo().byParents('candidateId', ids, null)),
    ofJob: batched(
      'assessmentsOfJob',
      observe,
      async (keys: readonly { jobId: string; status: AssessmentStatus | null }[]) => {
        const statuses = [...new Set(keys.map((k) => k.status))];
        const results = new Map<AssessmentStatus | null, Map<string, AssessmentDoc[]>>();
        await Promise.all(
          statuses.map(async (status) => {
            const ids = [...new Set(keys.filter((k) => k.status === status).map((k) => k.jobId))];
            const lists = await repo().byParents('jobId', ids, status);
            results.set(status, new Map(ids.map((id, i) => [id, lists[i]!])));
          }),
        );
        return keys.map((k) => results.get(k.status)!.get(k.jobId) ?? []);
      },
      { cacheKeyFn: (k) => `${k.jobId}|${k.status ?? ''}` },
    ),
  };
}
