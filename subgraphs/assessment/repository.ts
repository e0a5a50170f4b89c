import { ObjectId, type Db, type Filter } from 'mongodb';
import { byKeys, TenantScoped } from '../../shared/mongo/scoped';
import { pageFilter, type Page } from '../../shared/pagination';

export type AssessmentStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
export type StepKind = 'VALIDATION' | 'AGENT' | 'SYNTHESIS';
export type StepStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';
export type Recommendation = 'STRONG_HIRE' | 'HIRE' | 'MAYBE' | 'NO_HIRE';

export interface StepDoc {
  name: string; kind: StepKind; status: StepStatus; attempts: number; startedAt: Date | null; finishedAt: Date | null;
  score: number | null; findings: string[]; error: string | null;
}

export interface AssessmentDoc {
  _id: ObjectId; tenantId: ObjectId; candidateId: ObjectId; jobId: ObjectId; status: AssessmentStatus; steps: StepDoc[];
  score: number | null; recommendation: Recommendation | null; summary: string | null; error: string | null;
  idempotencyKey: string | null; createdAt: Date; startedAt: Date | null; completedAt: Date | null;
}

export interface AssessmentQuery { status: AssessmentStatus | null; candidateId: ObjectId | null; jobId: ObjectId | null }

/** Assessments of one tenant: the only code that touches the assessments collection. */
export class AssessmentRepository {
  private readonly scoped: TenantScoped<AssessmentDoc>;

  constructor(db: Db, tenantId: ObjectId) {
    this.scoped = new TenantScoped(db.collection<AssessmentDoc>('assessments'), tenantId);
  }

  static async ensureIndexes(db: Db): Promise<void> {
    const c = db.collection('assessments');
    await c.createIndex({ tenantId: 1, candidateId: 1, _id: -1 }, { name: 'tenant_candidate' });
    await c.createIndex({ tenantId: 1, jobId: 1, status: 1, _id: -1 }, { name: 'tenant_job_status' });
    await c.createIndex({ tenantId: 1, status: 1, _id: -1 }, { name: 'tenant_status' });
    await c.createIndex({ tenantId: 1, idempotencyKey: 1 }, { unique: true, name: 'tenant_idempotency_key', partialFilterExpression: { idempotencyKey: { $type: 'string' } } });
  }

  async byIds(ids: readonly string[]): Promise<Array<AssessmentDoc | null>> {
    return byKeys(ids, await this.scoped.findByIds(ids.map((id) => new ObjectId(id))));
  }

  list(q: AssessmentQuery, page: Page): Promise<AssessmentDoc[]> {
    const filter: Filter<AssessmentDoc> = { ...pageFilter<AssessmentDoc>(page) };
    if (q.status) filter.status = q.status;
    if (q.candidateId) filter.candidateId = q.candidateId;
    if (q.jobId) filter.jobId = q.jobId;
    return this.scoped.find(filter, { sort: { _id: -1 }, limit: page.first + 1 });
  }

  /** Every assessment of each parent, in one query; `field` is candidateId or jobId. */
  async byParents(field: 'candidateId' | 'jobId', parentIds: readonly string[], status: AssessmentStatus | null): Promise<AssessmentDoc[][]> {
    const filter: Filter<AssessmentDoc> = { [field]: { $in: parentIds.map((id) => new ObjectId(id)) } };
    if (status) filter.status = status;
    const rows = await this.scoped.find(filter, { sort: { _id: -1 } });
    const by = new Map<string, AssessmentDoc[]>();
    for (const r of rows) by.set(r[field].toHexString(), [...(by.get(r[field].toHexString()) ?? []), r]);
    return parentIds.map((id) => by.get(id) ?? []);
  }

  /** Records a new assessment (the run itself is started by the next layer). */
  create(doc: Omit<AssessmentDoc, 'tenantId'>): Promise<AssessmentDoc> {
    return this.scoped.insert(doc);
  }
}
