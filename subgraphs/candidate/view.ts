import type { PartialView } from '../../shared/graphql/projection';
import type { Connection } from '../../shared/pagination';
import type { Candidate } from './generated/resolvers-types';
import type { CandidateRead } from './reads';

/**
 * A candidate as the graph shows it: what Candidate's resolvers get as their parent. Every field
 * of the schema's Candidate is a key, so a field added there fails to compile until it is here;
 * a field the operation did not select was not read (CANDIDATE_READS) and is undefined.
 */
export function toCandidate(doc: CandidateRead) {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    email: doc.email,
    phone: doc.phone,
    location: doc.location,
    headline: doc.headline,
    skills: doc.skills,
    yearsExperience: doc.yearsExperience,
    resumeText: doc.resumeText,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    archivedAt: doc.archivedAt,
  } satisfies PartialView<Candidate>;
}

export type CandidateView = ReturnType<typeof toCandidate>;
export type CandidateConnectionView = Connection<CandidateView>;
