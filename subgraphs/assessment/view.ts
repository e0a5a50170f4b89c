import type { AssessmentDoc, EventDoc } from './repository';

const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'SKIPPED']);

/** An assessment as the graph shows it; also what events carry, so subscribers need no read. */
export function toAssessment(doc: Omit<AssessmentDoc, 'events' | 'input'> & Partial<Pick<AssessmentDoc, 'events' | 'input'>>) {
  const done = doc.steps.filter((s) => FINISHED.has(s.status)).length;
  return {
    id: doc._id.toHexString(),
    candidate: { __typename: 'Candidate', id: doc.candidateId.toHexString() },
    job: { __typename: 'Job', id: doc.jobId.toHexString() },
    status: doc.status,
    progress: doc.steps.length ? done / doc.steps.length : 0,
    steps: doc.steps,
    score: doc.score,
    recommendation: doc.recommendation,
    summary: doc.summary,
    error: doc.error,
    createdAt: doc.createdAt,
    startedAt: doc.startedAt,
    completedAt: doc.completedAt,
  };
}

export type AssessmentView = ReturnType<typeof toAssessment>;

/** An AssessmentEvent as the graph shows it. */
export function toEvent(event: EventDoc, assessment: AssessmentView) {
  return { seq: event.seq, type: event.type, at: event.at, step: event.step, assessment };
}
