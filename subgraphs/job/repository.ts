import { ObjectId, type Db, type Filter } from 'mongodb';
import { byKeys, TenantScoped } from '../../shared/mongo/scoped';
import { pageFilter, type Page } from '../../shared/pagination';
import type { ApplicationDoc, JobDoc, JobFields, JobStatus, Stage } from './model';

/** Jobs and applications of one tenant: the only code that touches those collections. */
export class JobRepository {
  private readonly jobs: TenantScoped<JobDoc>;
  private readonly applications: TenantScoped<ApplicationDoc>;

  constructor(db: Db, tenantId: ObjectId) {
    this.jobs = new TenantScoped(db.collection<JobDoc>('jobs'), tenantId);
    this.applications = new TenantScoped(db.collection<ApplicationDoc>('applications'), tenantId);
  }

  static async ensureIndexes(db: Db): Promise<void> {
    await db.collection('jobs').createIndex({ tenantId: 1, status: 1, _id: -1 }, { name: 'tenant_status_list' });
    const apps = db.collection('applications');
    await apps.createIndex(
      { tenantId: 1, jobId: 1, candidateId: 1 },
      { unique: true, name: 'tenant_job_candidate_unique' },
    );
    await apps.createIndex({ tenantId: 1, candidateId: 1, _id: -1 }, { name: 'tenant_candidate' });
  }

  async jobsByIds(ids: readonly string[]): Promise<Array<JobDoc | null>> {
    return byKeys(ids, await this.jobs.findByIds(ids.map((id) => new ObjectId(id))));
  }

  async applicationsByIds(ids: readonly string[]): Promise<Array<ApplicationDoc | null>> {
    return byKeys(ids, await this.applications.findByIds(ids.map((id) => new ObjectId(id))));
  }

  listJobs(q: { status: JobStatus | null; search: RegExp | null }, page: Page): Promise<JobDoc[]> {
    const filter: Filter<JobDoc> = { ...pageFilter<JobDoc>(page) };
    if (q.status) filter.status = q.status;
    if (q.search) filter.$or = [{ title: q.search }, { description: q.search }];
    return this.jobs.find(filter, { sort: { _id: -1 }, limit: page.first + 1 });
  }

  /** One query for a page of applications of every job asked for: up to first+1 per job. */
  async applicationPages(jobIds: readonly ObjectId[], page: Page): Promise<Map<string, ApplicationDoc[]>> {
    const rows = await this.applications.find(
      { jobId: { $in: [...jobIds] }, ...pageFilter<ApplicationDoc>(page) },
      { sort: { _id: -1 } },
    );
    const out = new Map<string, ApplicationDoc[]>();
    for (const r of rows) {
      const list = out.get(r.jobId.toHexString()) ?? [];
      if (list.length <= page.first) list.push(r);
      out.set(r.jobId.toHexString(), list);
    }
    return out;
  }

  /** Every application of each candidate asked for, in one query. */
  async applicationsOfCandidates(candidateIds: readonly string[]): Promise<ApplicationDoc[][]> {
    const rows = await this.applications.find(
      { candidateId: { $in: candidateIds.map((id) => new ObjectId(id)) } },
      { sort: { _id: -1 } },
    );
    const by = new Map<string, ApplicationDoc[]>();
    for (const r of rows) by.set(r.candidateId.toHexString(), [...(by.get(r.candidateId.toHexString()) ?? []), r]);
    return candidateIds.map((id) => by.get(id) ?? []);
  }

  createJob(fields: JobFields): Promise<JobDoc> {
    const now = new Date();
    return this.jobs.insert({ _id: new ObjectId(), ...fields, status: 'OPEN', createdAt: now, updatedAt: now });
  }

  updateJob(id: ObjectId, set: Partial<JobFields> | { status: JobStatus }): Promise<JobDoc | null> {
    return this.jobs.updateOne({ _id: id }, { $set: { ...set, updatedAt: new Date() } });
  }

  /** Creates the application, or returns the one that exists for (job, candidate). */
  async apply(jobId: ObjectId, candidateId: ObjectId): Promise<ApplicationDoc> {
    const now = new Date();
    const doc = await this.applications.updateOne(
      { jobId, candidateId },
      { $setOnInsert: { _id: new ObjectId(), stage: 'APPLIED', createdAt: now, updatedAt: now } },
      true,
    );
    return doc!;
  }

  moveApplication(id: ObjectId, stage: Stage): Promise<ApplicationDoc | null> {
    return this.applications.updateOne({ _id: id }, { $set: { stage, updatedAt: new Date() } });
  }
}
