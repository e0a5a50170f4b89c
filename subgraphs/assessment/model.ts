import { ObjectId } from 'mongodb';
import { snapshotOf, type AssessmentDoc, type StepDoc, type StepKind } from './repository';

export const VALIDATION = 'validation';
export const SYNTHESIS = 'synthesis';
export const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
export const STEP_DONE = new Set(['SUCCEEDED', 'FAILED', 'SKIPPED']);

export function pendingStep(name: string, kind: StepKind): StepDoc {
  return { name, kind, status: 'PENDING', attempts: 0, startedAt: null, finishedAt: null, score: null, findings: [], error: null };
}

/** A new run's document: validation, the chosen agents, synthesis; QUEUED with its first event. */
export function newAssessment(a: { candidateId: ObjectId; jobId: ObjectId; agents: string[]; idempotencyKey: string | null }): Omit<AssessmentDoc, 'tenantId'> {
  const now = new Date();
  const doc: Omit<AssessmentDoc, 'tenantId'> = {
    _id: new ObjectId(),
    candidateId: a.candidateId,
    jobId: a.jobId,
    status: 'QUEUED',
    steps: [pendingStep(VALIDATION, 'VALIDATION'), ...a.agents.map((n) => pendingStep(n, 'AGENT')), pendingStep(SYNTHESIS, 'SYNTHESIS')],
    score: null, recommendation: null, summary: null, error: null,
    idempotencyKey: a.idempotencyKey,
    createdAt: now, startedAt: null, completedAt: null, updatedAt: now,
    agents: a.agents,
    run: 1,
    eventSeq: 1,
    events: [],
    input: null,
  };
  doc.events = [{ seq: 1, type: 'QUEUED', at: now, step: null, assessment: snapshotOf(doc as AssessmentDoc) }];
  return doc;
}
