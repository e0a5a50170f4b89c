import { readTable, sameNamed, type ReadOf } from '../../../shared/graphql/projection';
import type { Assessment } from '../generated/resolvers-types';
import type { AssessmentDoc } from './model';

/**
 * What each Assessment field reads of a stored run, so a list of statuses and scores leaves the
 * steps (their findings) and the summary in MongoDB; the event log and the agents' input are
 * never read for the API (a selection this table does not know still leaves them out). Every
 * schema field is listed.
 */
export const ASSESSMENT_READS = readTable<AssessmentDoc>()({
  type: 'Assessment',
  always: ['_id', 'tenantId'],
  fields: {
    id: ['_id'],
    candidate: ['candidateId'],
    job: ['jobId'],
    progress: ['steps'],
    ...sameNamed(
      'status',
      'steps',
      'score',
      'recommendation',
      'summary',
      'error',
      'createdAt',
      'startedAt',
      'completedAt',
    ),
  } satisfies Record<keyof Omit<Assessment, '__typename'>, readonly (keyof AssessmentDoc)[]>,
});

/** An assessment as the API's loaders and list read it: only what the operation selects. */
export type AssessmentRead = ReadOf<typeof ASSESSMENT_READS>;
