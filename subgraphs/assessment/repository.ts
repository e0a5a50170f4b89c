import { MongoServerError, ObjectId, type Db, type Filter } from 'mongodb';
import { byKeys, TenantScoped } from '../../shared/mongo/scoped';
import { pageFilter, type Page } from '../../shared/pagination';
import type { AgentInput } from './agents/types';

export type AssessmentStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
export type StepKind = 'VALIDATION' | 'AGENT' | 'SYNTHESIS';
export type StepStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';
export type Recommendation = 'STRONG_HIRE' | 'HIRE' | 'MAYBE' | 'NO_HIRE';
export type EventType = 'QUEUED' | 'STARTED' | 'STEP_STARTED' | 'STEP_SUCCEEDED' | 'STEP_FAILED' | 'STEP_RETRYING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface StepDoc {
  name: string; kind: StepKind; status: StepStatus; attempts: number; startedAt: Date | null; finishedAt: Date | null;
  score: number | null; findings: string[]; error: string | null;
}

/** One entry of an assessment's event log; `step` is the step as it was after the change. */
export interface EventDoc { seq: number; type: EventType; at: Date; step: StepDoc | null }

export interface AssessmentDoc {
  _id: ObjectId; tenantId: ObjectId; candidateId: ObjectId; jobId: ObjectId; status: AssessmentStatus; steps: StepDoc[];
  score: number | null; recommendation: Recommendation | null; summary: string | null; error: string | null;
  idempotencyKey: string | null; createdAt: Date; startedAt: Date | null; completedAt: Date | null;
  /** The agents chosen at start. */
  agents: string[];
  /** 1 for the first run, +1 per retry; part of every BullMQ job id of the run. */
  run: number;
  /** The last event's seq; also the version optimistic updates check. */
  eventSeq: number;
  events: EventDoc[];
  /** The candidate and job as validation saw them; every agent works on this snapshot. */
  input: AgentInput | null;
  updatedAt: Date;
}

/** A state change: fields to set, step patches by name, and the events it appends in order. */
export interface Change {
  set?: Partial<Pick<AssessmentDoc, 'status' | 'score' | 'recommendation' | 'summary' | 'error' | 'startedAt' | 'completedAt' | 'input' | 'run'>>;
  steps?: Record<string, Partial<StepDoc>>;
  events: Array<{ type: EventType; step?: string }>;
}

export interface AssessmentQuery { status: AssessmentStatus | null; candidateId: ObjectId | null; jobId: ObjectId | null }

/** Reads for the API leave out the event log and the input snapshot. */
const SUMMARY = { projection: { events: 0, input: 0 } };
const MAX_CAS_TRIES = 50;

/** Assessments of one tenant: the only code that touches the assessments collection. */
export class AssessmentRepository {
  private readonly scoped: TenantScoped<AssessmentDoc>;

  constructor(db: Db, readonly tenantId: ObjectId) {
    this.scoped = new TenantScoped(db.collection<AssessmentDoc>('assessments'), tenantId);
  }

  static async ensureIndexes(db: Db): Promise<void> {
    const c = db.collection('assessments');
    await c.createIndex({ tenantId: 1, candidateId: 1, _id: -1 }, { name: 'tenant_candidate' });
    await c.createIndex({ tenantId: 1, jobId: 1, status: 1, _id: -1 }, { name: 'tenant_job_status' });
    await c.createIndex({ tenantId: 1, status: 1, _id: -1 }, { name: 'tenant_status' });
    await c.createIndex({ tenantId: 1, idempotencyKey: 1 }, { unique: true, name: 'tenant_idempotency_key', partialFilterExpression: { idempotencyKey: { $type: 'string' } } });
    // Used only by RunRecovery, the one deliberately cross-tenant reader.
    await c.createIndex({ status: 1, updatedAt: 1 }, { name: 'recovery_status_updated' });
  }

  async byIds(ids: readonly string[]): Promise<Array<AssessmentDoc | null>> {
    return byKeys(ids, await this.scoped.findByIds(ids.map((id) => new ObjectId(id)), SUMMARY));
  }

  /** The whole document, event log and input included (workers, subscriptions). */
  full(id: ObjectId): Promise<AssessmentDoc | null> {
    return this.scoped.findOne({ _id: id });
  }

  byIdempotencyKey(key: string): Promise<AssessmentDoc | null> {
    return this.scoped.findOne({ idempotencyKey: key }, SUMMARY);
  }

  list(q: AssessmentQuery, page: Page): Promise<AssessmentDoc[]> {
    const filter: Filter<AssessmentDoc> = { ...pageFilter<AssessmentDoc>(page) };
    if (q.status) filter.status = q.status;
    if (q.candidateId) filter.candidateId = q.candidateId;
    if (q.jobId) filter.jobId = q.jobId;
    return this.scoped.find(filter, { sort: { _id: -1 }, limit: page.first + 1, ...SUMMARY });
  }

  /** Every assessment of each parent, in one query; `field` is candidateId or jobId. */
  async byParents(field: 'candidateId' | 'jobId', parentIds: readonly string[], status: AssessmentStatus | null): Promise<AssessmentDoc[][]> {
    const filter: Filter<AssessmentDoc> = { [field]: { $in: parentIds.map((id) => new ObjectId(id)) } };
    if (status) filter.status = status;
    const rows = await this.scoped.find(filter, { sort: { _id: -1 }, ...SUMMARY });
    const by = new Map<string, AssessmentDoc[]>();
    for (const r of rows) by.set(r[field].toHexString(), [...(by.get(r[field].toHexString()) ?? []), r]);
    return parentIds.map((id) => by.get(id) ?? []);
  }

  /**
   * Records a new assessment. With an idempotency key already used in this tenant, returns the
   * existing one instead (and `created: false`), also when two requests race.
   */
  async create(doc: Omit<AssessmentDoc, 'tenantId'>): Promise<{ doc: AssessmentDoc; created: boolean }> {
    try {
      return { doc: await this.scoped.insert(doc), created: true };
    } catch (err) {
      if (err instanceof MongoServerError && err.code === 11000 && doc.idempotencyKey) {
        const existing = await this.byIdempotencyKey(doc.idempotencyKey);
        if (existing) return { doc: existing, created: false };
      }
      throw err;
    }
  }

  /**
   * Applies a state change and appends its events with the next seqs, atomically: the update only
   * lands if the assessment is still at the version it was read at (eventSeq), else it re-reads
   * and asks `decide` again. `decide` returns null to change nothing (e.g. a step already done).
   */
  async transition(id: ObjectId, decide: (doc: AssessmentDoc) => Change | null): Promise<{ doc: AssessmentDoc; events: EventDoc[] } | null> {
    for (let i = 0; i < MAX_CAS_TRIES; i++) {
      const doc = await this.full(id);
      if (!doc) return null;
      const change = decide(doc);
      if (!change) return { doc, events: [] };
      const now = new Date();
      const steps = doc.steps.map((s) => (change.steps?.[s.name] ? { ...s, ...change.steps[s.name] } : s));
      const events = change.events.map((e, k) => ({
        seq: doc.eventSeq + k + 1, type: e.type, at: now, step: e.step ? steps.find((s) => s.name === e.step) ?? null : null,
      }));
      const eventSeq = doc.eventSeq + events.length;
      const ok = await this.scoped.updateIf(
        { _id: id, eventSeq: doc.eventSeq },
        { $set: { ...change.set, steps, eventSeq, updatedAt: now }, $push: { events: { $each: events } } },
      );
      if (ok) return { doc: { ...doc, ...change.set, steps, eventSeq, updatedAt: now, events: [...doc.events, ...events] }, events };
    }
    throw new Error(`assessment ${id.toHexString()} kept changing under ${MAX_CAS_TRIES} attempts to update it`);
  }
}

/**
 * The reconciler's view: runs in any tenant that have sat QUEUED or RUNNING without progress.
 * This is the one deliberately cross-tenant read; it returns only ids to hand back to
 * tenant-scoped code.
 */
export class RunRecovery {
  constructor(private readonly db: Db) {}

  async stale(olderThan: Date, limit = 500): Promise<Array<{ tenantId: ObjectId; id: ObjectId; status: AssessmentStatus; run: number }>> {
    const rows = await this.db.collection<AssessmentDoc>('assessments')
      .find({ status: { $in: ['QUEUED', 'RUNNING'] }, updatedAt: { $lte: olderThan } }, { projection: { tenantId: 1, status: 1, run: 1 }, limit })
      .toArray();
    return rows.map((r) => ({ tenantId: r.tenantId, id: r._id, status: r.status, run: r.run }));
  }
}
