import type { PartialView } from '../../../shared/graphql/projection';
import type { Connection } from '../../../shared/pagination';
import { progressOf } from '../engine/plan';
import type { Assessment, AssessmentEvent } from '../generated/resolvers-types';
import { snapshotOf, type AssessmentDoc, type AssessmentSnapshot, type EventDoc, type EventType } from './model';

type Identity = Pick<AssessmentDoc, '_id' | 'candidateId' | 'jobId'>;
/**
 * What toAssessment takes: the id and whatever else was read, a whole document, an event's
 * snapshot, or the fields an operation selected (ASSESSMENT_READS).
 */
type Readable = Pick<AssessmentDoc, '_id'> & Partial<Omit<Identity, '_id'> & AssessmentSnapshot>;
/** Another subgraph's entity, resolved there by its id. */
type Ref<T extends string> = { __typename: T; id: string };

const ref = <T extends string>(__typename: T, id: AssessmentDoc['_id']): Ref<T> => ({
  __typename,
  id: id.toHexString(),
});

/**
 * An assessment whole, as it was at one moment: what events carry, so subscribers need no read.
 * Copied, so a later patch cannot reach into a stored snapshot.
 */
export function stateView(doc: Identity & AssessmentSnapshot) {
  return {
    id: doc._id.toHexString(),
    candidate: ref('Candidate', doc.candidateId),
    job: ref('Job', doc.jobId),
    progress: progressOf(doc.steps),
    ...snapshotOf(doc),
  } satisfies Omit<Assessment, 'candidate' | 'job'> & { candidate: Ref<'Candidate'>; job: Ref<'Job'> };
}

export type AssessmentStateView = ReturnType<typeof stateView>;

/**
 * An assessment as the graph shows it: what Assessment's resolvers get as their parent. A field
 * the operation did not select was not read (ASSESSMENT_READS) and is undefined.
 */
export function toAssessment(doc: Readable) {
  return {
    id: doc._id.toHexString(),
    candidate: doc.candidateId && ref('Candidate', doc.candidateId),
    job: doc.jobId && ref('Job', doc.jobId),
    status: doc.status,
    progress: doc.steps && progressOf(doc.steps),
    steps: doc.steps,
    score: doc.score,
    recommendation: doc.recommendation,
    summary: doc.summary,
    error: doc.error,
    createdAt: doc.createdAt,
    startedAt: doc.startedAt,
    completedAt: doc.completedAt,
  } satisfies PartialView<Omit<Assessment, 'candidate' | 'job'> & { candidate: Ref<'Candidate'>; job: Ref<'Job'> }>;
}

export type AssessmentView = ReturnType<typeof toAssessment>;
export type AssessmentConnectionView = Connection<AssessmentView>;

/**
 * The assessment as it was right after `event`: its ids from `doc`, its own fields from the
 * snapshot stored with the event. Only events stored before snapshots existed fall back to `doc`.
 */
export function assessmentAt(doc: Identity & AssessmentSnapshot, event: EventDoc): AssessmentStateView {
  if (!event.assessment) return stateView(doc);
  return stateView({ _id: doc._id, candidateId: doc.candidateId, jobId: doc.jobId, ...event.assessment });
}

/**
 * An AssessmentEvent as the graph shows it, given the assessment at that event and its cursor: a
 * tenant stream position on assessmentEvents, `seq:<n>` on assessmentProgress (see the schema).
 * Its type may be SNAPSHOT, which no stored event has: a subscription's first message is made.
 */
export function toEvent(
  event: Pick<EventDoc, 'seq' | 'at' | 'step'> & { type: EventType | 'SNAPSHOT' },
  assessment: AssessmentStateView,
  cursor = `seq:${event.seq}`,
) {
  return {
    seq: event.seq,
    type: event.type,
    at: event.at,
    step: event.step,
    assessment,
    cursor,
  } satisfies Omit<AssessmentEvent, 'assessment'> & { assessment: AssessmentStateView };
}

export type EventView = ReturnType<typeof toEvent>;
