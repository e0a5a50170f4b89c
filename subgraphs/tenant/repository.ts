import { MongoServerError, ObjectId, type Collection, type Db } from 'mongodb';
import { errors } from '../../shared/errors';
import { newestFirst, pageFilter, type Page } from '../../shared/pagination';
import type { Plan, PlanLimits } from '../../shared/plans';
import type { TenantDoc } from './model';

/**
 * The tenants collection. A tenant document is its own scope (its _id is the tenant id), so reads
 * inside a tenant go through `ownById`, which never returns another tenant.
 */
export class TenantRepository {
  private readonly coll: Collection<TenantDoc>;

  /** @param plans each plan's limits, which a new tenant starts with (PLAN_LIMITS_*) */
  constructor(
    db: Db,
    readonly plans: Record<Plan, PlanLimits>,
  ) {
    this.coll = db.collection<TenantDoc>('tenants');
  }

  static async ensureIndexes(db: Db): Promise<void> {
    // The one index not led by tenantId: slugs are unique across the platform.
    await db.collection('tenants').createIndex({ slug: 1 }, { unique: true, name: 'slug_unique' });
  }

  /** The caller's own tenant among `ids` (one query at most); null for every other id. */
  async ownByIds(own: ObjectId, ids: readonly string[]): Promise<Array<TenantDoc | null>> {
    if (!ids.includes(own.toHexString())) return ids.map(() => null);
    const doc = await this.coll.findOne({ _id: own });
    return ids.map((id) => (id === own.toHexString() ? doc : null));
  }

  /** Every tenant: the platform-wide listing's totalCount, for platform admins only. */
  count(): Promise<number> {
    return this.coll.countDocuments({});
  }

  /** Platform-wide listing, for platform admins only. */
  list(page: Page): Promise<TenantDoc[]> {
    return this.coll.find(pageFilter<TenantDoc>(page), newestFirst(page)).toArray();
  }

  async create(input: { slug: string; name: string; plan: Plan }): Promise<TenantDoc> {
    const doc: TenantDoc = {
      _id: new ObjectId(),
      ...input,
      limits: { ...this.plans[input.plan] },
      createdAt: new Date(),
    };
    try {
      await this.coll.insertOne(doc);
    } catch (err) {
      if (err instanceof MongoServerError && err.code === 11000)
        throw errors.conflict(`a tenant with slug "${input.slug}" already exists`);
      throw err;
    }
    return doc;
  }

  /** One tenant by id: the caller's own (updateTenant) or any, for a platform admin (setTenantPlan). */
  byId(id: ObjectId): Promise<TenantDoc | null> {
    return this.coll.findOne({ _id: id });
  }

  /**
   * Sets and unsets fields of one tenant, only while `guard` still holds of it (so a check made on an
   * earlier read cannot be raced); null when the tenant is gone or the guard no longer holds.
   */
  update(
    id: ObjectId,
    set: Record<string, unknown>,
    unset: string[] = [],
    guard: Array<Record<string, unknown>> = [],
  ): Promise<TenantDoc | null> {
    const update: Record<string, unknown> = {};
    if (Object.keys(set).length) update.$set = set;
    if (unset.length) update.$unset = Object.fromEntries(unset.map((k) => [k, '']));
    const filter = guard.length ? { _id: id, $and: guard } : { _id: id };
    return this.coll.findOneAndUpdate(filter, update, { returnDocument: 'after' });
  }

  findBySlug(slug: string): Promise<TenantDoc | null> {
    return this.coll.findOne({ slug });
  }
}
