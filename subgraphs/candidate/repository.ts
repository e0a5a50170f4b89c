import { MongoServerError, ObjectId, type Db, type Document, type Filter } from 'mongodb';
import { errors } from '../../shared/errors';
import { TenantScoped } from '../../shared/mongo/scoped';
import { sumsPerTenant } from '../../shared/mongo/tenant-counts';
import { newestFirst, pageFilter, type Page } from '../../shared/pagination';
import type { CandidateDoc, CandidateFields, CandidateQuery } from './model';
import { CandidateQuota } from './quota';
import type { CandidateRead } from './reads';

function conflictOnDuplicate(err: unknown, email: string): never {
  if (err instanceof MongoServerError && err.code === 11000)
    throw errors.conflict(`a candidate with email "${email}" already exists in this tenant`);
  throw err;
}

/** The candidates collection, seen from one tenant. */
export class CandidateRepository {
  private readonly scoped: TenantScoped<CandidateDoc>;
  private readonly quota: CandidateQuota;

  constructor(db: Db, tenantId: ObjectId) {
    this.scoped = new TenantScoped(db.collection<CandidateDoc>('candidates'), tenantId);
    this.quota = new CandidateQuota(db, tenantId, () => this.countActive());
  }

  static async ensureIndexes(db: Db): Promise<void> {
    const c = db.collection('candidates');
    await c.createIndex({ tenantId: 1, emailLower: 1 }, { unique: true, name: 'tenant_email_unique' });
    await c.createIndex({ tenantId: 1, archivedAt: 1, _id: -1 }, { name: 'tenant_list' });
    await CandidateQuota.ensureIndexes(db);
  }

  /** `projection` (CANDIDATE_READS): the fields to read; undefined reads whole documents. */
  byIds(ids: readonly string[], projection?: Document): Promise<Array<CandidateRead | null>> {
    return this.scoped.byIds(ids, projection);
  }

  list(q: CandidateQuery, page: Page, projection?: Document): Promise<CandidateRead[]> {
    return this.scoped.find(
      { ...candidateFilter(q), ...pageFilter<CandidateDoc>(page) },
      { ...newestFirst(page), projection },
    );
  }

  count(q: CandidateQuery): Promise<number> {
    return this.scoped.count(candidateFilter(q));
  }

  /** Candidates not archived, of each tenant asked for (the caller checked it may see them). */
  static async usage(db: Db, tenantIds: readonly ObjectId[]): Promise<Map<string, { candidates: number }>> {
    return sumsPerTenant(db.collection('candidates'), tenantIds, { archivedAt: null }, { candidates: { $sum: 1 } });
  }

  /** Candidates that count against the tenant's maxCandidates: the ones not archived. */
  countActive(): Promise<number> {
    return this.scoped.count({ archivedAt: null });
  }

  /**
   * Inserts a candidate if the tenant has a slot left under `maxCandidates` (null: no cap); null
   * when it has none. The slot is taken before the insert and given back if the insert fails.
   */
  async create(fields: CandidateFields, maxCandidates: number | null): Promise<CandidateDoc | null> {
    if (!(await this.quota.take(maxCandidates))) return null;
    try {
      return await this.insert(fields);
    } catch (err) {
      await this.quota.give();
      throw err;
    }
  }

  private async insert(fields: CandidateFields): Promise<CandidateDoc> {
    const now = new Date();
    try {
      return await this.scoped.insert({
        _id: new ObjectId(),
        ...fields,
        emailLower: fields.email.toLowerCase(),
        skillsLower: fields.skills.map((s) => s.toLowerCase()),
        createdAt: now,
        updatedAt: now,
        archivedAt: null,
      });
    } catch (err) {
      return conflictOnDuplicate(err, fields.email);
    }
  }

  async update(id: ObjectId, fields: Partial<CandidateFields>): Promise<CandidateDoc | null> {
    const set: Partial<CandidateDoc> = { ...fields, updatedAt: new Date() };
    if (fields.email !== undefined) set.emailLower = fields.email.toLowerCase();
    if (fields.skills !== undefined) set.skillsLower = fields.skills.map((s) => s.toLowerCase());
    try {
      return await this.scoped.updateOne({ _id: id }, { $set: set });
    } catch (err) {
      return conflictOnDuplicate(err, fields.email ?? '');
    }
  }

  /** Archives once, freeing its slot of maxCandidates; archiving again keeps the first archivedAt. */
  async archive(id: ObjectId): Promise<CandidateDoc | null> {
    const current = await this.scoped.findOne({ _id: id });
    // Missing, or archived already: nothing to write (a refused or repeated archive changes nothing).
    if (!current || current.archivedAt !== null) return current;
    const now = new Date();
    await this.quota.beforeArchive();
    const archived = await this.scoped.updateOne(
      { _id: id, archivedAt: null },
      { $set: { archivedAt: now, updatedAt: now } },
    );
    if (!archived) return this.scoped.findOne({ _id: id });
    await this.quota.give();
    return archived;
  }
}

function candidateFilter(q: CandidateQuery): Filter<CandidateDoc> {
  const filter: Filter<CandidateDoc> = {};
  if (!q.includeArchived) filter.archivedAt = null;
  if (q.search) filter.$or = [{ name: q.search }, { emailLower: q.search }, { headline: q.search }];
  if (q.skills.length) filter.skillsLower = { $all: q.skills.map((s) => s.toLowerCase()) };
  if (q.minYearsExperience !== null) filter.yearsExperience = { $gte: q.minYearsExperience };
  return filter;
}
