import { ObjectId, type Collection, type Document } from 'mongodb';
import { actingTenant, type Principal } from '../auth';

/**
 * The tenants whose counts a caller may read: its own for a tenant role, every one asked for a
 * platform admin. Another tenant's id is not refused but counted as empty, like a missing one.
 */
export function countableTenants(principal: Principal, tenantIds: readonly string[]): Set<string> {
  if (actingTenant(principal, 'platform', 'null')) return new Set(tenantIds);
  const own = actingTenant(principal, 'read', 'null')?.toHexString();
  return new Set(own && tenantIds.includes(own) ? [own] : []);
}

/**
 * Per tenant, the sums of `fields` (each a `$group` accumulator expression) over the documents
 * matching `filter`, in one aggregation across the tenants asked for. The one cross-tenant read
 * besides run recovery: usage counts, where the caller's right to each tenant was checked with
 * countableTenants; a tenant with no document gets zeros.
 */
export async function sumsPerTenant<K extends string>(
  coll: Collection<Document>,
  tenantIds: readonly ObjectId[],
  filter: Document,
  fields: Record<K, Document>,
): Promise<Map<string, Record<K, number>>> {
  const zero = () => Object.fromEntries(Object.keys(fields).map((k) => [k, 0])) as Record<K, number>;
  const out = new Map(tenantIds.map((id) => [id.toHexString(), zero()]));
  if (tenantIds.length === 0) return out;
  const rows = await coll
    .aggregate<{ _id: ObjectId } & Record<K, number>>([
      { $match: { ...filter, tenantId: { $in: [...tenantIds] } } },
      { $group: { _id: '$tenantId', ...fields } },
    ])
    .toArray();
  for (const r of rows) {
    const { _id, ...sums } = r;
    out.set(_id.toHexString(), { ...zero(), ...(sums as unknown as Record<K, number>) });
  }
  return out;
}

/**
 * A usage loader's batch: the counts of each tenant asked for that the caller may see, `zero` for
 * the others (and for ids that are not ids), in key order.
 */
export async function usageFor<U>(
  principal: Principal,
  keys: readonly string[],
  zero: U,
  count: (tenantIds: ObjectId[]) => Promise<Map<string, U>>,
): Promise<U[]> {
  const allowed = [...countableTenants(principal, keys)].filter((k) => /^[0-9a-f]{24}$/.test(k));
  const found = allowed.length ? await count(allowed.map((k) => new ObjectId(k))) : new Map<string, U>();
  return keys.map((k) => found.get(k) ?? zero);
}
