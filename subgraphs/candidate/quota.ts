import { MongoServerError, type Db, type ObjectId } from 'mongodb';
import { TenantScoped } from '../../shared/mongo/scoped';

/** One per tenant: how many of its candidates are active (not archived), i.e. count against maxCandidates. */
interface QuotaDoc {
  _id: ObjectId;
  tenantId: ObjectId;
  active: number;
}

const COLLECTION = 'candidate_quotas';

/**
 * The tenant's active candidates as a counter that a create takes a slot of with one conditional
 * `$inc` (`active < max`), so a burst of creates cannot all pass a count taken before any of them
 * inserted. A tenant whose counter does not exist yet (its candidates predate it) gets one set from
 * a count of its active candidates, once: `$setOnInsert` under a unique index, so racing
 * initialisations agree. No create inserts without a slot, so nothing is inserted between that
 * count and the counter appearing.
 */
export class CandidateQuota {
  private readonly scoped: TenantScoped<QuotaDoc>;

  constructor(
    db: Db,
    tenantId: ObjectId,
    private readonly countActive: () => Promise<number>,
  ) {
    this.scoped = new TenantScoped(db.collection<QuotaDoc>(COLLECTION), tenantId);
  }

  static async ensureIndexes(db: Db): Promise<void> {
    await db.collection(COLLECTION).createIndex({ tenantId: 1 }, { unique: true, name: 'tenant_unique' });
  }

  /** Takes one slot; false when `max` are taken. `max` null: no cap, but the slot is still counted. */
  async take(max: number | null): Promise<boolean> {
    const filter = max === null ? {} : { active: { $lt: max } };
    if (await this.scoped.updateIf(filter, { $inc: { active: 1 } })) return true;
    if (!(await this.ensure())) return false;
    return this.scoped.updateIf(filter, { $inc: { active: 1 } });
  }

  /** Gives a slot back: the insert it was taken for failed, or a candidate was archived. */
  async give(): Promise<void> {
    await this.scoped.updateIf({ active: { $gt: 0 } }, { $inc: { active: -1 } });
  }

  /** Creates the counter from a count if it is missing; true if it was missing. */
  async ensure(): Promise<boolean> {
    if (await this.scoped.findOne({}, { projection: { _id: 1 } })) return false;
    const active = await this.countActive();
    try {
      await this.scoped.updateOne({}, { $setOnInsert: { active } }, true);
    } catch (err) {
      // Another request created it at the same moment, from the same count.
      if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
    }
    return true;
  }
}
