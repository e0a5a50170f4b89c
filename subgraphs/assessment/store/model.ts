import { ObjectId } from 'mongodb';
import type { AgentInput } from '../agents/types';
import { planSteps } from '../engine/plan';

export { STEP_DONE, SYNTHESIS, TERMINAL, VALIDATION } from '../engine/plan';

export type AssessmentStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
export type StepKind = 'VALIDATION' | 'AGENT' | 'SYNTHESIS';
export type StepStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';
export type Recommendation = 'STRONG_HIRE' | 'HIRE' | 'MAYBE' | 'NO_HIRE';
export type EventType =
  | 'QUEUED'
  | 'STARTED'
  | 'STEP_STARTED'
  | 'STEP_SUCCEEDED'
  | 'STEP_FAILED'
  | 'STEP_RETRYING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED';

export interface StepDoc {
  name: string;
  kind: StepKind;
  status: StepStatus;
  attempts: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  score: number | null;
  findings: string[];
  error: string | null;
}

/**
 * The assessment's own fields as they were right after one event. Stored with the event, so
 * publishing, replay and gap-fill tell what was true at that moment, not what is true now.
 */
export interface AssessmentSnapshot {
  status: AssessmentStatus;
  steps: StepDoc[];
  score: number | null;
  recommendation: Recommendation | null;
  summary: string | null;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

/**
 * One entry of an assessment's event log: `step` is the step the event is about as it was right
 * after it, `assessment` the assessment's own fields at the same moment. Events written before
 * snapshots existed have no `assessment`; they are shown with the current document (see README).
 */
export interface EventDoc {
  seq: number;
  type: EventType;
  at: Date;
  step: StepDoc | null;
  assessment?: AssessmentSnapshot;
}

/** A run as stored: its ids, its own fields (the part events snapshot), and its bookkeeping. */
export interface AssessmentDoc extends AssessmentSnapshot {
  _id: ObjectId;
  tenantId: ObjectId;
  candidateId: ObjectId;
  jobId: ObjectId;
  idempotencyKey: string | null;
  /** The agents chosen at start. */
  agents: string[];
  /** 1 for the first run, +1 per retry; part of every BullMQ job id of the run. */
  run: number;
  /** Scheduling priority of the run's jobs (runPriority), set at start; absent on older runs. */
  priority?: number;
  /** The last event's seq; also the version optimistic updates check. */
  eventSeq: number;
  events: EventDoc[];
  /** The candidate and job as validation saw them; every agent works on this snapshot. */
  input: AgentInput | null;
  updatedAt: Date;
}

export type FieldPatch = Partial<
  Pick<
    AssessmentDoc,
    'status' | 'score' | 'recommendation' | 'summary' | 'error' | 'startedAt' | 'completedAt' | 'input' | 'run'
  >
>;
export type StepPatches = Record<string, Partial<StepDoc>>;

/** One event of a change, with the patch that is its own: applied after the events before it. */
export interface EventChange {
  type: EventType;
  step?: string;
  set?: FieldPatch;
  steps?: StepPatches;
}

/**
 * A state change: an optional patch that goes before every event (and belongs to none, e.g. the
 * validated input), then its events in order, each applied with its own patch, so each event's
 * snapshot is the state right after that event and not after the whole change.
 */
export interface Change {
  set?: FieldPatch;
  steps?: StepPatches;
  events: EventChange[];
}

export function pendingStep(name: string, kind: StepKind): StepDoc {
  return {
    name,
    kind,
    status: 'PENDING',
    attempts: 0,
    startedAt: null,
    finishedAt: null,
    score: null,
    findings: [],
    error: null,
  };
}

/** A new run's document: the plan's steps (planSteps), all PENDING; QUEUED with its first event. */
export function newAssessment(a: {
  candidateId: ObjectId;
  jobId: ObjectId;
  agents: string[];
  idempotencyKey: string | null;
  priority?: number;
}): Omit<AssessmentDoc, 'tenantId'> {
  const now = new Date();
  const doc: Omit<AssessmentDoc, 'tenantId'> = {
    _id: new ObjectId(),
    candidateId: a.candidateId,
    jobId: a.jobId,
    status: 'QUEUED',
    steps: planSteps(a.agents).map((s) => pendingStep(s.name, s.kind)),
    score: null,
    recommendation: null,
    summary: null,
    error: null,
    idempotencyKey: a.idempotencyKey,
    createdAt: now,
    startedAt: null,
    completedAt: null,
    updatedAt: now,
    agents: a.agents,
    run: 1,
    ...(a.priority ? { priority: a.priority } : {}),
    eventSeq: 1,
    events: [],
    input: null,
  };
  doc.events = [{ seq: 1, type: 'QUEUED', at: now, step: null, assessment: snapshotOf(doc as AssessmentDoc) }];
  return doc;
}

function patch(doc: AssessmentDoc, set: FieldPatch | undefined, steps: StepPatches | undefined): AssessmentDoc {
  if (!set && !steps) return doc;
  return {
    ...doc,
    ...set,
    steps: steps ? doc.steps.map((s) => (steps[s.name] ? { ...s, ...steps[s.name] } : s)) : doc.steps,
  };
}

/** The assessment's own fields, copied so a later patch cannot reach into a stored snapshot. */
export function snapshotOf(doc: AssessmentSnapshot): AssessmentSnapshot {
  return {
    status: doc.status,
    steps: doc.steps.map((s) => ({ ...s, findings: [...s.findings] })),
    score: doc.score,
    recommendation: doc.recommendation,
    summary: doc.summary,
    error: doc.error,
    createdAt: doc.createdAt,
    startedAt: doc.startedAt,
    completedAt: doc.completedAt,
  };
}

/**
 * Applies a change in order: its shared patch, then each event with its own patch, recording the
 * step and a snapshot right after each event. Pure, so the state each event carries is testable
 * without a database.
 */
export function applyChange(
  doc: AssessmentDoc,
  change: Change,
  at: Date,
): { state: AssessmentDoc; events: EventDoc[] } {
  let state = patch(doc, change.set, change.steps);
  const events: EventDoc[] = [];
  for (const e of change.events) {
    state = patch(state, e.set, e.steps);
    const snapshot = snapshotOf(state);
    const step = e.step ? snapshot.steps.find((s) => s.name === e.step) : undefined;
    if (e.step && !step)
      throw new Error(`assessment ${doc._id.toHexString()} has no step ${e.step} for a ${e.type} event`);
    events.push({
      seq: doc.eventSeq + events.length + 1,
      type: e.type,
      at,
      step: step ? { ...step } : null,
      assessment: snapshot,
    });
  }
  return { state: { ...state, eventSeq: doc.eventSeq + events.length }, events };
}
