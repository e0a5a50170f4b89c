import { MongoServerError, ObjectId, type Db, type Document, type Filter } from 'mongodb';
import { TenantScoped } from '../../../shared/mongo/scoped';
import { newestFirst, pageFilter, type Page } from '../../../shared/pagination';
import { statsOfParents, type AssessmentStats } from './stats';
import type { RunState } from '../engine/plan';
import type { AssessmentDoc, AssessmentStatus, Change, EventDoc } from './model';
import { transition, type Transitioned } from './transition';
import type { AssessmentRead } from './reads';

export interface AssessmentQuery {
  status: AssessmentStatus | null;
  candidateId: ObjectId | null;
  jobId: ObjectId | null;
}

/**
 * Reads for the API leave out the event log and the input snapshot: what the API reads when no
 * projection (ASSESSMENT_READS, which never names them) is given.
 */
const SUMMARY = { projection: { events: 0, input: 0 } };

/** Assessments of one tenant: the only code that touches the assessments collection. */
export class AssessmentRepository {
  private readonly scoped: TenantScoped<AssessmentDoc>;

  constructor(
    db: Db,
    readonly tenantId: ObjectId,
  ) {
    this.scoped = new TenantScoped(db.collection<AssessmentDoc>('assessments'), tenantId);
  }

  static async ensureIndexes(db: Db): Promise<void> {
    const c = db.collection('assessments');
    await c.createIndex({ tenantId: 1, candidateId: 1, _id: -1 }, { name: 'tenant_candidate' });
    await c.createIndex({ tenantId: 1, jobId: 1, status: 1, _id: -1 }, { name: 'tenant_job_status' });
    // A job's newest assessments of any status, read a page at a time (see newestPerKey).
    await c.createIndex({ tenantId: 1, jobId: 1, _id: -1 }, { name: 'tenant_job_newest' });
    await c.createIndex({ tenantId: 1, status: 1, _id: -1 }, { name: 'tenant_status' });
    await c.createIndex(
      { tenantId: 1, idempotencyKey: 1 },
      {
        unique: true,
        name: 'tenant_idempotency_key',
        partialFilterExpression: { idempotencyKey: { $type: 'string' } },
      },
    );
    // Used only by RunRecovery, the one deliberately cross-tenant reader.
    await c.createIndex({ status: 1, updatedAt: 1 }, { name: 'recovery_status_updated' });
  }

  /** `projection`: an inclusion projection (ASSESSMENT_READS); undefined reads all but events and input. */
  byIds(ids: readonly string[], projection?: Document): Promise<Array<AssessmentRead | null>> {
    return this.scoped.byIds(ids, projection ?? SUMMARY.projection);
  }

  /** The whole document, event log and input included (workers, subscriptions). */
  full(id: ObjectId): Promise<AssessmentDoc | null> {
    return this.scoped.findOne({ _id: id });
  }

  /** Each assessment's latest seq, by id, in one query (the healer's silence check). */
  async eventSeqs(ids: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.scoped.findByIds(
      ids.map((id) => new ObjectId(id)),
      { projection: { eventSeq: 1 } },
    );
    return new Map(rows.map((r) => [r._id.toHexString(), r.eventSeq]));
  }

  /** Only the status: what a running agent checks to notice a cancel. */
  async statusOf(id: ObjectId): Promise<AssessmentStatus | null> {
    return (await this.scoped.findOne({ _id: id }, { projection: { status: 1 } }))?.status ?? null;
  }

  byIdempotencyKey(key: string): Promise<AssessmentDoc | null> {
    return this.scoped.findOne({ idempotencyKey: key }, SUMMARY);
  }

  list(q: AssessmentQuery, page: Page, projection?: Document): Promise<AssessmentRead[]> {
    return this.scoped.find(
      { ...assessmentFilter(q), ...pageFilter<AssessmentDoc>(page) },
      { ...newestFirst(page), projection: projection ?? SUMMARY.projection },
    );
  }

  count(q: AssessmentQuery): Promise<number> {
    return this.scoped.count(assessmentFilter(q));
  }

  /** Runs of this tenant that are QUEUED or RUNNING: its line in the scheduler (runPriority). */
  countActive(): Promise<number> {
    return this.scoped.count({ status: { $in: ['QUEUED', 'RUNNING'] } });
  }

  /** Counts and scores of each candidate's (or job's) assessments, in one aggregation. */
  stats(field: 'candidateId' | 'jobId', parentIds: readonly string[]): Promise<AssessmentStats[]> {
    return statsOfParents(this.scoped, field, parentIds);
  }

  /**
   * The newest `first` assessments of each parent, in one aggregate; `field` is candidateId or
   * jobId, read whatever `projection` (as for byIds) says (newestPerKey adds it).
   */
  async byParents(
    field: 'candidateId' | 'jobId',
    parentIds: readonly string[],
    status: AssessmentStatus | null,
    first: number,
    projection?: Document,
  ): Promise<Map<string, AssessmentRead[]>> {
    const filter: Filter<AssessmentDoc> = status ? { status } : {};
    const ids = parentIds.map((id) => new ObjectId(id));
    const rows = await this.scoped.newestPerKey(field, ids, filter, first, projection ?? SUMMARY.projection);
    const by = new Map<string, AssessmentRead[]>();
    for (const r of rows) by.set(r[field].toHexString(), [...(by.get(r[field].toHexString()) ?? []), r]);
    return by;
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
   * Applies a state change and appends its events with the next seqs, atomically, against the
   * version (eventSeq) it was decided on; see transition.ts. `decide` returns null to change
   * nothing (e.g. a step already done). `known`: the document as this process last saw it, tried
   * first with no read (a worker's previous checkpoint of the run). The answer's `events` holds
   * only the latest events of the log (eventLog reads it whole).
   */
  transition(
    id: ObjectId,
    decide: (doc: AssessmentDoc) => Change | null,
    known?: AssessmentDoc,
  ): Promise<Transitioned | null> {
    return transition(this.scoped, id, decide, known);
  }

  /** The whole event log of one assessment (what the relay falls back on when events are missing from its stream). */
  async eventLog(id: ObjectId): Promise<EventDoc[]> {
    return (await this.scoped.findOne({ _id: id }, { projection: { events: 1 } }))?.events ?? [];
  }
}

/**
 * The reconciler's view: runs in any tenant that have sat QUEUED or RUNNING without progress.
 * This is the one deliberately cross-tenant read; it returns only ids to hand back to
 * tenant-scoped code.
 */
export class RunRecovery {
  constructor(private readonly db: Db) {}

  async stale(
    olderThan: Date,
    limit = 500,
  ): Promise<
    Array<{
      tenantId: ObjectId;
      id: ObjectId;
      run: number;
      priority?: number;
      /** What the plan reads to tell what drives the run on (nextStage). */
      state: RunState;
    }>
  > {
    const rows = await this.db
      .collection<AssessmentDoc>('assessments')
      .find(
        { status: { $in: ['QUEUED', 'RUNNING'] }, updatedAt: { $lte: olderThan } },
        {
          projection: {
            tenantId: 1,
            status: 1,
            run: 1,
            'steps.name': 1,
            'steps.kind': 1,
            'steps.status': 1,
            priority: 1,
          },
          limit,
        },
      )
      .toArray();
    return rows.map((r) => ({
      tenantId: r.tenantId,
      id: r._id,
      run: r.run,
      priority: r.priority,
      state: { status: r.status, steps: r.steps },
    }));
  }

  /** Runs of any tenant changed between `from` and `to`: ids and last seq, for the stream healer. */
  async changedBetween(from: Date, to: Date, limit = 1000): Promise<Array<{ id: ObjectId; eventSeq: number }>> {
    const rows = await this.db
      .collection<AssessmentDoc>('assessments')
      .find(
        // Every status listed, so the recovery index (status, updatedAt) answers the range.
        {
          status: { $in: ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] },
          updatedAt: { $gte: from, $lte: to },
        },
        { projection: { eventSeq: 1 }, limit },
      )
      .toArray();
    return rows.map((r) => ({ id: r._id, eventSeq: r.eventSeq }));
  }

  /** Whole documents (with their event logs) by id, whatever their tenant. */
  async full(ids: ObjectId[]): Promise<AssessmentDoc[]> {
    if (!ids.length) return [];
    return this.db
      .collection<AssessmentDoc>('assessments')
      .find({ _id: { $in: ids } })
      .toArray();
  }
}

function assessmentFilter(q: AssessmentQuery): Filter<AssessmentDoc> {
  const filter: Filter<AssessmentDoc> = {};
  if (q.status) filter.status = q.status;
  if (q.candidateId) filter.candidateId = q.candidateId;
  if (q.jobId) filter.jobId = q.jobId;
  return filter;
}
