import { readTable, sameNamed, type ReadOf } from '../../shared/graphql/projection';
import type { Candidate } from './generated/resolvers-types';
import type { CandidateDoc } from './model';

/**
 * What each Candidate field reads of a stored candidate, so a page of names leaves resumeText
 * (up to 100,000 characters) in MongoDB. Every schema field is listed (the compiler checks it).
 */
export const CANDIDATE_READS = readTable<CandidateDoc>()({
  type: 'Candidate',
  always: ['_id', 'tenantId'],
  fields: {
    id: ['_id'],
    ...sameNamed(
      'name',
      'email',
      'phone',
      'location',
      'headline',
      'skills',
      'yearsExperience',
      'resumeText',
      'createdAt',
      'updatedAt',
      'archivedAt',
    ),
  } satisfies Record<keyof Omit<Candidate, '__typename'>, readonly (keyof CandidateDoc)[]>,
});

/** A candidate as its loader and list read it: only what the operation selects. */
export type CandidateRead = ReadOf<typeof CANDIDATE_READS>;
