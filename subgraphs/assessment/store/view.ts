import { progressOf } from '../engine/plan';
import { snapshotOf, type AssessmentDoc, type AssessmentSnapshot, type EventDoc } from './model';

type Identity = Pick<AssessmentDoc, '_id' | 'candidateId' | 'jobId'>;

/** An assessment as the graph shows it; also what events carry, so subscribers need no read. */
export function toAssessment(doc: Identity & AssessmentSnapshot) {
  return {
    id: doc._id.toHexString(),
    candidate: { __typename: 'Candidate', id: doc.candidateId.toHexString() },
    job: { __typename: 'Job', id: doc.jobId.toHexString() },
    progress: progressOf(doc.steps),
    ...snapshotOf(doc),
  };
}

export type AssessmentView = ReturnType<typeof toAssessment>;

/**
 * The assessment as it was right after `event`: its ids from `doc`, its own fields from the
 * snapshot stored with the event. Only events stored before snapshots existed fall back to `doc`.
 */
export function assessmentAt(doc: Identity & AssessmentSnapshot, event: EventDoc): AssessmentView {
  if (!event.assessment) return toAssessment(doc);
  return toAssessment({ _id: doc._id, candidateId: doc.candidateId, jobId: doc.jobId, ...event.assessment });
}

/**
 * An AssessmentEvent as the graph shows it, given the assessment at that event and its cursor: a
 * tenant stream position on assessmentEvents, `seq:<n>` on assessmentProgress (see the schema).
 */
export function toEvent(
  event: Pick<EventDoc, 'seq' | 'type' | 'at' | 'step'>,
  assessment: AssessmentView,
  cursor = `seq:${event.seq}`,
) {
  return { seq: event.seq, type: event.type, at: event.at, step: event.step, assessment, cursor };
}
