import type { Connection } from '../../shared/pagination';
import type { Application, Job } from './generated/resolvers-types';
import type { ApplicationDoc, JobDoc } from './model';

/**
 * A job as the graph shows it: what Job's resolvers get as their parent. It satisfies the schema's
 * Job but for the fields resolved from loaders, so a field added there must be added here too.
 */
export function toJob(doc: JobDoc) {
  const { _id, tenantId: _t, updatedAt: _u, ...rest } = doc;
  return { id: _id.toHexString(), ...rest } satisfies Omit<Job, 'pipeline' | 'applications'>;
}

/** An application as the graph shows it: its job and candidate by id, resolved by Application's resolvers. */
export function toApplication(doc: ApplicationDoc) {
  return {
    id: doc._id.toHexString(),
    jobId: doc.jobId.toHexString(),
    candidateId: doc.candidateId.toHexString(),
    stage: doc.stage,
    createdAt: doc.createdAt,
  } satisfies Omit<Application, 'job' | 'candidate'> & { jobId: string; candidateId: string };
}

export type JobView = ReturnType<typeof toJob>;
export type ApplicationView = ReturnType<typeof toApplication>;
export type JobConnectionView = Connection<JobView>;
export type ApplicationConnectionView = Connection<ApplicationView>;
