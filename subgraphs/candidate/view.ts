import type { Connection } from '../../shared/pagination';
import type { Candidate } from './generated/resolvers-types';
import type { CandidateDoc } from './model';

/**
 * A candidate as the graph shows it: what Candidate's resolvers get as their parent. It satisfies
 * the schema's Candidate, so a field added there without a resolver fails to compile until it is here.
 */
export function toCandidate(doc: CandidateDoc) {
  const { _id, tenantId: _t, emailLower: _e, skillsLower: _s, ...rest } = doc;
  return { id: _id.toHexString(), ...rest } satisfies Candidate;
}

export type CandidateView = ReturnType<typeof toCandidate>;
export type CandidateConnectionView = Connection<CandidateView>;
