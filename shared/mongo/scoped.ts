import { ObjectId } from 'mongodb';
import type {
  Collection,
  Document,
  Filter,
  FindOptions,
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

  /**
   * A loader's batch: the documents of `ids` (valid hex, checked by the resolvers) in one `$in`
   * query, one entry per id in its order, null where missing. `projection` (a subgraph's
   * reads.ts) limits the fields read; undefined reads whole documents.
   */
  async byIds(ids: readonly string[], projection?: Document): Promise<Array<WithId<T> | null>> {
    return byKeys(
      ids,
      await this.findByIds(
        ids.map((id) => new ObjectId(id)),
        { projection },
      ),
    );
  }

  /** A conditional update; true if a document matched (the caller's optimistic check held). */
  async updateIf(filter: Filter<T>, update: UpdateFilter<T>): Promise<boolean> {
    return (await this.coll.updateOne(this.scope(filter), update)).matchedCount === 1;
  }

  /**
   * One document's pipeline update, answered with the document as it was just before it (null if
   * none matched). An update whose stages are conditional on the document's own fields tells the
   * caller in the same round trip whether its condition held, and if not, what the document is.
   */
  updateReturningBefore(filter: Filter<T>, pipeline: Document[], projection?: Document): Promise<WithId<T> | null> {
    return this.coll.findOneAndUpdate(this.scope(filter), pipeline, { returnDocument: 'before', projection });
  }

  /**
   * An aggregation over this tenant's documents: the pipeline's leading $match gets `tenantId`
   * (one is added if it has none). Stages that read another collection or write are refused, so
   * the answer cannot reach past the tenant.
   */
  aggregate<R extends Document>(pipeline: Document[]): Promise<R[]> {
    for (const stage of pipeline) {
      const name = Object.keys(stage)[0] ?? '';
      if (CROSSING_STAGES.has(name)) throw new Error(`${name} may not run in a tenant-scoped aggregation`);
    }
    const [first, ...rest] = pipeline;
    const head =
      first && '$match' in first
        ? [{ $match: this.scope(first.$match as Filter<T>) }, ...rest]
        : [{ $match: this.scope({}) }, ...pipeline];
    return this.coll.aggregate<R>(head).toArray();
  }

  /**
   * Up to `limit` documents per key of `field`, newest first, in one aggregate per
   * UNIONS_PER_AGGREGATE keys: the first key's $match + $sort + $limit, then one $unionWith of this
   * same collection per other key, each scoped to this tenant. With an index on (tenantId, field,
   * _id) every sub-pipeline reads only the documents it returns, so a page of N per parent reads N
   * per parent however long the list, and the commands grow with the parents asked for (at most
   * 100 × 100 at the second level of a query), never with the lists' lengths. An inclusion
   * `projection` always gets `field` too: callers group the rows by it.
   */
  async newestPerKey(
    field: keyof T & string,
    keys: readonly ObjectId[],
    filter: Filter<T>,
    limit: number,
    projection?: Document,
  ): Promise<WithId<T>[]> {
    const unique = [...new Map(keys.map((k) => [k.toHexString(), k])).values()];
    const inclusion = projection && Object.entries(projection).some(([k, v]) => k !== '_id' && v);
    const project = inclusion ? { ...projection, [field]: 1 } : projection;
    const page = (key: ObjectId): Document[] => [
      { $match: this.scope({ ...filter, [field]: key } as Filter<T>) },
      { $sort: { _id: -1 } },
      { $limit: limit },
      ...(project ? [{ $project: project }] : []),
    ];
    const chunks: ObjectId[][] = [];
    for (let i = 0; i < unique.length; i += UNIONS_PER_AGGREGATE)
      chunks.push(unique.slice(i, i + UNIONS_PER_AGGREGATE));
    const pages = await Promise.all(
      chunks.map(([first, ...rest]) =>
        this.coll
          .aggregate<WithId<T>>(
            [
              ...page(first!),
              ...rest.map((key) => ({ $unionWith: { coll: this.coll.collectionName, pipeline: page(key) } })),
            ],
            { batchSize: 1000 },
          )
          .toArray(),
      ),
    );
    return pages.flat();
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

/** Keys per aggregate in newestPerKey: MongoDB refuses a pipeline of more than 1,000 stages. */
export const UNIONS_PER_AGGREGATE = 500;

const CROSSING_STAGES = new Set(['$lookup', '$graphLookup', '$unionWith', '$out', '$merge', '$documents']);

/** Orders rows by the keys a DataLoader asked for: one entry per key, null where missing. */
export function byKeys<R extends { _id: ObjectId }>(keys: readonly string[], rows: R[]): Array<R | null> {
  const map = new Map(rows.map((r) => [r._id.toHexString(), r]));
  return keys.map((k) => map.get(k) ?? null);
}
