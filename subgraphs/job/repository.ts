import { ObjectId, type Db, type Document, type Filter } from 'mongodb';
import { TenantScoped } from '../../shared/mongo/scoped';
import { sumsPerTenant } from '../../shared/mongo/tenant-counts';
import { newestFirst, pageFilter, type Page } from '../../shared/pagination';
import { STAGES, type ApplicationDoc, type JobDoc, type JobFields, type JobStatus, type Stage } from './model';
import type { ApplicationRead, JobRead } from './reads';

export interface JobQuery {
  status: JobStatus | null;
  search: RegExp | null;
}

export interface JobUsage {
  jobs: number;
  openJobs: number;
  applications: number;
}

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
    // A job's page of applications, newest first, reads only that page (see newestPerKey).
    await apps.createIndex({ tenantId: 1, jobId: 1, _id: -1 }, { name: 'tenant_job_newest' });
  }

  // Reads take a projection (JOB_READS, APPLICATION_READS); undefined reads whole documents.

  jobsByIds(ids: readonly string[], projection?: Document): Promise<Array<JobRead | null>> {
    return this.jobs.byIds(ids, projection);
  }

  applicationsByIds(ids: readonly string[], projection?: Document): Promise<Array<ApplicationRead | null>> {
    return this.applications.byIds(ids, projection);
  }

  listJobs(q: JobQuery, page: Page, projection?: Document): Promise<JobRead[]> {
    return this.jobs.find({ ...jobFilter(q), ...pageFilter<JobDoc>(page) }, { ...newestFirst(page), projection });
  }

  countJobs(q: JobQuery): Promise<number> {
    return this.jobs.count(jobFilter(q));
  }

  /** Applications per job, for every job asked for, in one aggregation. */
  async applicationCounts(jobIds: readonly string[]): Promise<number[]> {
    const rows = await this.applications.aggregate<{ _id: ObjectId; n: number }>([
      { $match: { jobId: { $in: jobIds.map((id) => new ObjectId(id)) } } },
      { $group: { _id: '$jobId', n: { $sum: 1 } } },
    ]);
    const by = new Map(rows.map((r) => [r._id.toHexString(), r.n]));
    return jobIds.map((id) => by.get(id) ?? 0);
  }

  /** Each job's applications per stage, every stage present, in one aggregation. */
  async stageCounts(jobIds: readonly string[]): Promise<Array<Array<{ stage: Stage; count: number }>>> {
    const rows = await this.applications.aggregate<{ _id: { job: ObjectId; stage: Stage }; n: number }>([
      { $match: { jobId: { $in: jobIds.map((id) => new ObjectId(id)) } } },
      { $group: { _id: { job: '$jobId', stage: '$stage' }, n: { $sum: 1 } } },
    ]);
    const by = new Map(rows.map((r) => [`${r._id.job.toHexString()}:${r._id.stage}`, r.n]));
    return jobIds.map((id) => STAGES.map((stage) => ({ stage, count: by.get(`${id}:${stage}`) ?? 0 })));
  }

  /** Jobs, open jobs and applications of each tenant asked for (the caller checked it may see them). */
  static async usage(db: Db, tenantIds: readonly ObjectId[]): Promise<Map<string, JobUsage>> {
    const [jobs, apps] = await Promise.all([
      sumsPerTenant(
        db.collection('jobs'),
        tenantIds,
        {},
        {
          jobs: { $sum: 1 },
          openJobs: { $sum: { $cond: [{ $eq: ['$status', 'OPEN'] }, 1, 0] } },
        },
      ),
      sumsPerTenant(db.collection('applications'), tenantIds, {}, { applications: { $sum: 1 } }),
    ]);
    return new Map(
      tenantIds.map((id) => [id.toHexString(), { ...jobs.get(id.toHexString())!, ...apps.get(id.toHexString())! }]),
    );
  }

  /** A page of applications of every job asked for, in one aggregate: up to first+1 read per job. */
  async applicationPages(
    jobIds: readonly ObjectId[],
    page: Page,
    projection?: Document,
  ): Promise<Map<string, ApplicationRead[]>> {
    const rows = await this.applications.newestPerKey(
      'jobId',
      jobIds,
      pageFilter<ApplicationDoc>(page),
      newestFirst(page).limit,
      projection,
    );
    return groupBy(rows, (r) => r.jobId.toHexString());
  }

  /** The newest `first` applications of each candidate asked for, in one aggregate. */
  async applicationsOfCandidates(
    candidateIds: readonly string[],
    first: number,
    projection?: Document,
  ): Promise<Map<string, ApplicationRead[]>> {
    const ids = candidateIds.map((id) => new ObjectId(id));
    const rows = await this.applications.newestPerKey('candidateId', ids, {}, first, projection);
    return groupBy(rows, (r) => r.candidateId.toHexString());
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

function groupBy<R>(rows: readonly R[], key: (r: R) => string): Map<string, R[]> {
  const out = new Map<string, R[]>();
  for (const r of rows) {
    const list = out.get(key(r));
    if (list) list.push(r);
    else out.set(key(r), [r]);
  }
  return out;
}

function jobFilter(q: JobQuery): Filter<JobDoc> {
  const filter: Filter<JobDoc> = {};
  if (q.status) filter.status = q.status;
  if (q.search) filter.$or = [{ title: q.search }, { description: q.search }];
  return filter;
}
