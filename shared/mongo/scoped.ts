import type {
  Collection,
  Document,
  Filter,
  FindOptions,
  ObjectId,
  OptionalUnlessRequiredId,
  UpdateFilter,
  WithId,
} from 'mongodb';

/**
 * A collection seen from one tenant: every filter gets `tenantId`, every insert carries it.
 * Repositories reach their collections only through this, so an unscoped query cannot be written.
 */
export class TenantScoped<T extends Document & { tenantId: ObjectId }> {
  constructor(
    private readonly coll: Collection<T>,
    readonly tenantId: ObjectId,
  ) {}

  private scope(filter: Filter<T>): Filter<T> {
    return { ...filter, tenantId: this.tenantId } as Filter<T>;
  }

  /** Batched loader reads can return many documents: a large first batch spares getMore round trips. */
  find(filter: Filter<T>, options?: FindOptions): Promise<WithId<T>[]> {
    return this.coll.find(this.scope(filter), { batchSize: 1000, ...options }).toArray();
  }

  findOne(filter: Filter<T>, options?: FindOptions): Promise<WithId<T> | null> {
    return this.coll.findOne(this.scope(filter), options);
  }

  /** One `$in` query; the caller orders the answer by key. */
  findByIds(ids: readonly ObjectId[], options?: FindOptions): Promise<WithId<T>[]> {
    return this.find({ _id: { $in: ids } } as Filter<T>, options);
  }

  /** A conditional update; true if a document matched (the caller's optimistic check held). */
  async updateIf(filter: Filter<T>, update: UpdateFilter<T>): Promise<boolean> {
    return (await this.coll.updateOne(this.scope(filter), update)).matchedCount === 1;
  }

  count(filter: Filter<T>): Promise<number> {
    return this.coll.countDocuments(this.scope(filter));
  }

  async insert(doc: Omit<T, 'tenantId'>): Promise<WithId<T>> {
    const full = { ...doc, tenantId: this.tenantId } as unknown as OptionalUnlessRequiredId<T>;
    await this.coll.insertOne(full);
    return full as unknown as WithId<T>;
  }

  /** Updates one document of this tenant and returns it as it is afterwards (null if none matched). */
  updateOne(filter: Filter<T>, update: UpdateFilter<T>, upsert = false): Promise<WithId<T> | null> {
    return this.coll.findOneAndUpdate(this.scope(filter), update, { returnDocument: 'after', upsert });
  }
}

/** Orders rows by the keys a DataLoader asked for: one entry per key, null where missing. */
export function byKeys<R extends { _id: ObjectId }>(keys: readonly string[], rows: R[]): Array<R | null> {
  const map = new Map(rows.map((r) => [r._id.toHexString(), r]));
  return keys.map((k) => map.get(k) ?? null);
}
