import type { Connection } from '../../shared/pagination';
import type { CandidateDoc } from './model';

/** A candidate as the graph shows it: what Candidate's resolvers get as their parent. */
export function toCandidate(doc: CandidateDoc) {
  const { _id, tenantId: _t, emailLower: _e, skillsLower: _s, ...rest } = doc;
  return { id: _id.toHexString(), ...rest };
}

export type CandidateView = ReturnType<typeof toCandidate>;
export type CandidateConnectionView = Connection<CandidateView>;
