import type { PartialView } from '../../shared/graphql/projection';
import type { Connection } from '../../shared/pagination';
import type { Application, Job } from './generated/resolvers-types';
import type { ApplicationRead, JobRead } from './reads';

/**
 * A job as the graph shows it: what Job's resolvers get as their parent. Every field of the
 * schema's Job but those resolved from loaders is a key, so a field added there must be added
 * here too; a field the operation did not select was not read (JOB_READS) and is undefined.
 */
export function toJob(doc: JobRead) {
  return {
    id: doc._id.toHexString(),
    title: doc.title,
    description: doc.description,
    requiredSkills: doc.requiredSkills,
    niceToHaveSkills: doc.niceToHaveSkills,
    minYearsExperience: doc.minYearsExperience,
    location: doc.location,
    status: doc.status,
    createdAt: doc.createdAt,
  } satisfies PartialView<Omit<Job, 'pipeline' | 'applications'>>;
}

/** An application as the graph shows it: its job and candidate by id, resolved by Application's resolvers. */
export function toApplication(doc: ApplicationRead) {
  return {
    id: doc._id.toHexString(),
    jobId: doc.jobId.toHexString(),
    candidateId: doc.candidateId.toHexString(),
    stage: doc.stage,
    createdAt: doc.createdAt,
  } satisfies PartialView<Omit<Application, 'job' | 'candidate'>> & { jobId: string; candidateId: string };
}

export type JobView = ReturnType<typeof toJob>;
export type ApplicationView = ReturnType<typeof toApplication>;
export type JobConnectionView = Connection<JobView>;
export type ApplicationConnectionView = Connection<ApplicationView>;
