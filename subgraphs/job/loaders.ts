import type DataLoader from 'dataloader';
import { batched, byArguments, type BatchObserver } from '../../shared/graphql/loader';
import { ObjectId } from 'mongodb';
import { encodeCursor, type Page } from '../../shared/pagination';
import type { OperationReads } from '../../shared/graphql/projection';
import type { JobRepository, JobUsage } from './repository';
import type { Stage } from './model';
import { APPLICATION_READS, JOB_READS, type ApplicationRead, type JobRead } from './reads';

/** Jobs and applications are read with only the fields the request's operation selects (reads.ts). */
export interface JobLoaders {
  jobById: DataLoader<string, JobRead | null>;
  applicationById: DataLoader<string, ApplicationRead | null>;
  /** A page of a job's applications; keys with the same page arguments share one query. */
  applicationPage: DataLoader<{ jobId: string; page: Page }, ApplicationRead[], string>;
  /** A candidate's newest `first` applications; keys with the same `first` share one query. */
  applicationsOfCandidate: DataLoader<{ id: string; first: number }, ApplicationRead[], string>;
  /** Every application of a job (its connection's totalCount). */
  applicationCount: DataLoader<string, number>;
  /** A job's applications per stage. */
  pipeline: DataLoader<string, Array<{ stage: Stage; count: number }>>;
  /** A tenant's usage counts, by tenant id. */
  usage: DataLoader<string, JobUsage>;
}

function pageKey(page: Page): string {
  return `${page.first}:${page.after ? encodeCursor(page.after) : ''}`;
}

/** Created once per request. */
export function createLoaders(
  repo: () => JobRepository,
  observe: BatchObserver,
  usage: (tenantIds: readonly string[]) => Promise<JobUsage[]>,
  reads: OperationReads,
): JobLoaders {
  // Projections are taken when a batch runs: by then the operation is known.
  const applications = () => reads.projection(APPLICATION_READS);
  return {
    jobById: batched('jobById', observe, (ids) => repo().jobsByIds(ids, reads.projection(JOB_READS))),
    applicationById: batched('applicationById', observe, (ids) => repo().applicationsByIds(ids, applications())),
    applicationPage: batched(
      'applicationPage',
      observe,
      async (keys: readonly { jobId: string; page: Page }[]) => {
        const groups = new Map<string, { page: Page; jobIds: ObjectId[] }>();
        for (const k of keys) {
          const g = groups.get(pageKey(k.page)) ?? { page: k.page, jobIds: [] };
          g.jobIds.push(new ObjectId(k.jobId));
          groups.set(pageKey(k.page), g);
        }
        const results = new Map<string, Map<string, ApplicationRead[]>>();
        const projection = applications();
        await Promise.all(
          [...groups].map(async ([key, g]) =>
            results.set(key, await repo().applicationPages(g.jobIds, g.page, projection)),
          ),
        );
        return keys.map((k) => results.get(pageKey(k.page))!.get(k.jobId) ?? []);
      },
      { cacheKeyFn: (k) => `${k.jobId}|${pageKey(k.page)}` },
    ),
    applicationsOfCandidate: batched(
      'applicationsOfCandidate',
      observe,
      byArguments(
        (k) => String(k.first),
        (ids, k) => repo().applicationsOfCandidates(ids, k.first, applications()),
      ),
      { cacheKeyFn: (k) => `${k.id}|${k.first}` },
    ),
    applicationCount: batched('applicationCount', observe, (ids) => repo().applicationCounts(ids)),
    pipeline: batched('pipeline', observe, (ids) => repo().stageCounts(ids)),
    usage: batched('usage', observe, usage),
  };
}
