import type { Connection } from '../../../shared/pagination';
import { progressOf } from '../engine/plan';
import type { Assessment, AssessmentEvent } from '../generated/resolvers-types';
import { snapshotOf, type AssessmentDoc, type AssessmentSnapshot, type EventDoc, type EventType } from './model';

type Identity = Pick<AssessmentDoc, '_id' | 'candidateId' | 'jobId'>;
/** Another subgraph's entity, resolved there by its id. */
type Ref<T extends string> = { __typename: T; id: string };

/** An assessment as the graph shows it; also what events carry, so subscribers need no read. */
export function toAssessment(doc: Identity & AssessmentSnapshot) {
  return {
    id: doc._id.toHexString(),
    candidate: { __typename: 'Candidate', id: doc.candidateId.toHexString() },
    job: { __typename: 'Job', id: doc.jobId.toHexString() },
    progress: progressOf(doc.steps),
    ...snapshotOf(doc),
  } satisfies Omit<Assessment, 'candidate' | 'job'> & { candidate: Ref<'Candidate'>; job: Ref<'Job'> };
}

export type AssessmentView = ReturnType<typeof toAssessment>;
export type AssessmentConnectionView = Connection<AssessmentView>;

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
 * Its type may be SNAPSHOT, which no stored event has: a subscription's first message is made.
 */
export function toEvent(
  event: Pick<EventDoc, 'seq' | 'at' | 'step'> & { type: EventType | 'SNAPSHOT' },
  assessment: AssessmentView,
  cursor = `seq:${event.seq}`,
) {
  return {
    seq: event.seq,
    type: event.type,
    at: event.at,
    step: event.step,
    assessment,
    cursor,
  } satisfies Omit<AssessmentEvent, 'assessment'> & { assessment: AssessmentView };
}

export type EventView = ReturnType<typeof toEvent>;
