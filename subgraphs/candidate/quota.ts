import { MongoServerError, type Db, type ObjectId } from 'mongodb';
import { TenantScoped } from '../../shared/mongo/scoped';

/** One per tenant: how many of its candidates are active (not archived), i.e. count against maxCandidates. */
interface QuotaDoc {
  _id: ObjectId;
  tenantId: ObjectId;
  active: number;
  /** Set by every take, give and archive: a recount may only replace a counter nothing touched since it read it. */
  changedAt: Date;
  /** When a recount last found the counter right, so a tenant at its cap does not recount on every create. */
  checkedAt?: Date;
}

const COLLECTION = 'candidate_quotas';

/**
 * How long a counter must have been left alone before a create refused at the cap recounts it. A
 * slot is held only from a take to its insert (milliseconds); one held longer was leaked by a
 * process that died in between, or by a give that failed with MongoDB down.
 */
export const QUOTA_RECOUNT_AFTER_MS = 60_000;

/**
 * The tenant's active candidates as a counter that a create takes a slot of with one conditional
 * `$inc` (`active < max`), so a burst of creates cannot all pass a count taken before any of them
 * inserted. A tenant whose counter does not exist yet (its candidates predate it) gets one set from
 * a count of its active candidates, once: `$setOnInsert` under a unique index, so racing
 * initialisations agree, and no create inserts without a slot, so nothing is inserted between that
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
    const take = () =>
      this.scoped.updateIf(max === null ? {} : { active: { $lt: max } }, {
        $inc: { active: 1 },
        $set: { changedAt: new Date() },
      });
    if (await take()) return true;
    if ((await this.ensure()) || (await this.recount())) return take();
    return false;
  }

  /** Gives a slot back: the insert it was taken for failed, or a candidate was archived. */
  async give(): Promise<void> {
    await this.scoped.updateIf({ active: { $gt: 0 } }, { $inc: { active: -1 }, $set: { changedAt: new Date() } });
  }

  /**
   * Before an archive: creates the counter if it is missing (from a count that still includes the
   * candidate, whose slot give() then returns) and marks it changed, so no recount that read the
   * counter before the archive can write a count taken after it.
   */
  async beforeArchive(): Promise<void> {
    if (!(await this.ensure())) await this.scoped.updateIf({}, { $set: { changedAt: new Date() } });
  }

  /** Creates the counter from a count if it is missing; true if it was missing. */
  private async ensure(): Promise<boolean> {
    if (await this.scoped.findOne({}, { projection: { _id: 1 } })) return false;
    const active = await this.countActive();
    try {
      await this.scoped.updateOne({}, { $setOnInsert: { active, changedAt: new Date() } }, true);
    } catch (err) {
      // Another request created it at the same moment, from the same count.
      if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
    }
    return true;
  }

  /**
   * Lowers a counter left alone for QUOTA_RECOUNT_AFTER_MS to the active candidates counted now,
   * if nothing touched it meanwhile (compare-and-set on changedAt); true if it was lowered.
   */
  private async recount(): Promise<boolean> {
    const doc = await this.scoped.findOne({});
    const quietSince = Date.now() - QUOTA_RECOUNT_AFTER_MS;
    if (!doc || doc.changedAt.getTime() > quietSince || (doc.checkedAt?.getTime() ?? 0) > quietSince) return false;
    const active = await this.countActive();
    const unchanged = { changedAt: doc.changedAt, active: doc.active };
    if (active >= doc.active) {
      await this.scoped.updateIf(unchanged, { $set: { checkedAt: new Date() } });
      return false;
    }
    return this.scoped.updateIf(unchanged, { $set: { active, changedAt: new Date() } });
  }
}
