import { readTable, sameNamed, type ReadOf } from '../../shared/graphql/projection';
import type { Application, Job } from './generated/resolvers-types';
import type { ApplicationDoc, JobDoc } from './model';

/**
 * What each Job field reads of a stored job, so a list of titles leaves descriptions (up to
 * 50,000 characters) in MongoDB. `status` is always read: applyToJob refuses a closed job it
 * loaded through the loader, whatever the mutation selects. Every schema field is listed.
 */
export const JOB_READS = readTable<JobDoc>()({
  type: 'Job',
  always: ['_id', 'tenantId', 'status'],
  fields: {
    id: ['_id'],
    ...sameNamed(
      'title',
      'description',
      'requiredSkills',
      'niceToHaveSkills',
      'minYearsExperience',
      'location',
      'status',
      'createdAt',
    ),
    // Resolved from their own loaders by the job's id.
    applications: [],
    pipeline: [],
  } satisfies Record<keyof Omit<Job, '__typename'>, readonly (keyof JobDoc)[]>,
});

/**
 * What each Application field reads. Its job and candidate ids are always read: a page per job
 * or per candidate is grouped by them, and they are 12 bytes each.
 */
export const APPLICATION_READS = readTable<ApplicationDoc>()({
  type: 'Application',
  always: ['_id', 'tenantId', 'jobId', 'candidateId'],
  fields: {
    id: ['_id'],
    job: ['jobId'],
    candidate: ['candidateId'],
    ...sameNamed('stage', 'createdAt'),
  } satisfies Record<keyof Omit<Application, '__typename'>, readonly (keyof ApplicationDoc)[]>,
});

/** A job as its loader and list read it: only what the operation selects. */
export type JobRead = ReadOf<typeof JOB_READS>;
/** An application as its loaders read it. */
export type ApplicationRead = ReadOf<typeof APPLICATION_READS>;
