import type DataLoader from 'dataloader';
import { batched, byArguments, type BatchObserver } from '../../shared/graphql/loader';
import { ObjectId } from 'mongodb';
import { encodeCursor, type Page } from '../../shared/pagination';
import type { JobRepository, JobUsage } from './repository';
import type { ApplicationDoc, JobDoc, Stage } from './model';

export interface JobLoaders {
  jobById: DataLoader<string, JobDoc | null>;
  applicationById: DataLoader<string, ApplicationDoc | null>;
  /** A page of a job's applications; keys with the same page arguments share one query. */
  applicationPage: DataLoader<{ jobId: string; page: Page }, ApplicationDoc[], string>;
  /** A candidate's newest `first` applications; keys with the same `first` share one query. */
  applicationsOfCandidate: DataLoader<{ id: string; first: number }, ApplicationDoc[], string>;
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
): JobLoaders {
  return {
    jobById: batched('jobById', observe, (ids) => repo().jobsByIds(ids)),
    applicationById: batched('applicationById', observe, (ids) => repo().applicationsByIds(ids)),
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
        const results = new Map<string, Map<string, ApplicationDoc[]>>();
        await Promise.all(
          [...groups].map(async ([key, g]) => results.set(key, await repo().applicationPages(g.jobIds, g.page))),
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
        (ids, k) => repo().applicationsOfCandidates(ids, k.first),
      ),
      { cacheKeyFn: (k) => `${k.id}|${k.first}` },
    ),
    applicationCount: batched('applicationCount', observe, (ids) => repo().applicationCounts(ids)),
    pipeline: batched('pipeline', observe, (ids) => repo().stageCounts(ids)),
    usage: batched('usage', observe, usage),
  };
}
