import type { ServiceTokens } from '../../../shared/auth';
import type { EntityClient } from '../../../shared/graphql/entity-client';
import type { Logger } from '../../../shared/logger';
import { WORKER_READS } from '../../../shared/service-reads';
import type { AgentInput } from '../agents/types';
import type { AssessmentDoc } from '../store/model';
import type { RunJobData } from './queue';

/** What agents read of the candidate and the job, as their subgraphs expose them. */
// The owners let the worker's service token select these fields and no other.
const CANDIDATE_FIELDS = WORKER_READS.Candidate.join(' ');
const JOB_FIELDS = WORKER_READS.Job.join(' ');

/**
 * The validation step's reading: the candidate and job as their owners show them now, as the
 * agents' input, or what makes the run impossible (a failed validation).
 */
export async function readInput(
  data: RunJobData,
  doc: Pick<AssessmentDoc, 'candidateId' | 'jobId'>,
  deps: { owners: { candidate: EntityClient; job: EntityClient }; tokens: ServiceTokens },
  log: Logger,
): Promise<{ input: AgentInput } | { problem: string }> {
  const caller = {
    requestId: data.requestId ?? `run-${data.assessmentId}`,
    authorization: await deps.tokens.authorization(data.tenantId),
    log,
  };
  // Two owners, two subgraphs: asked at the same time.
  const [[candidate], [job]] = await Promise.all([
    deps.owners.candidate.fetch<AgentInput['candidate'] & { archivedAt: string | null }>(
      caller,
      [doc.candidateId.toHexString()],
      CANDIDATE_FIELDS,
    ),
    deps.owners.job.fetch<AgentInput['job']>(caller, [doc.jobId.toHexString()], JOB_FIELDS),
  ]);
  if (!candidate) return { problem: 'the candidate no longer exists' };
  if (candidate.archivedAt) return { problem: 'the candidate has been archived' };
  if (!job) return { problem: 'the job no longer exists' };
  if (job.status !== 'OPEN') return { problem: `the job is ${job.status}` };
  if (!candidate.resumeText?.trim()) return { problem: 'the candidate has no resume text' };
  const { archivedAt: _archived, ...input } = candidate;
  return { input: { candidate: input, job } };
}
