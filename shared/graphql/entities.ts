import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type DataLoader from 'dataloader';
import { parse, type DocumentNode } from 'graphql';
import { errors } from '../errors';
import { parseId, tryParseId } from '../mongo/ids';

/** Another subgraph's entity as this one knows it: by its key alone. */
export interface EntityRef {
  id: string;
}

/** The TenantUsage entity as each subgraph's count fields get it. */
export interface TenantUsageRef {
  tenantId: string;
}

/** A subgraph's schema.graphql, from the folder that holds it. */
export function schemaIn(dir: string): DocumentNode {
  return parse(readFileSync(join(dir, 'schema.graphql'), 'utf8'));
}

/** An entity by a GraphQL id argument: malformed is BAD_USER_INPUT, missing or another tenant's is null. */
export async function loadById<D, N>(
  loader: DataLoader<string, D | null>,
  id: string,
  toNode: (d: D) => N,
): Promise<N | null> {
  const doc = await loader.load(parseId(id).toHexString());
  return doc ? toNode(doc) : null;
}

/** An entity a mutation needs: malformed is BAD_USER_INPUT (naming `field`), missing or another tenant's is NOT_FOUND. */
export async function loadOrNotFound<D>(
  loader: DataLoader<string, D | null>,
  id: string,
  type: string,
  field = 'id',
): Promise<D> {
  const doc = await loader.load(parseId(id, field).toHexString());
  if (!doc) throw errors.notFound(type, id);
  return doc;
}

/** An entity reference (__resolveReference): null for a malformed, missing or foreign id, never an invented entity. */
export async function loadReference<D, N>(
  loader: DataLoader<string, D | null>,
  id: unknown,
  toNode: (d: D) => N,
): Promise<N | null> {
  const oid = tryParseId(id);
  const doc = oid && (await loader.load(oid.toHexString()));
  return doc ? toNode(doc) : null;
}

/** The children a subgraph keeps for another's entity (by parent id); none for an id that cannot exist. */
export async function loadChildren<K, D, N>(
  loader: DataLoader<K, D[], unknown>,
  parentId: unknown,
  key: (hex: string) => K,
  toNode: (d: D) => N,
): Promise<N[]> {
  const oid = tryParseId(parentId);
  return oid ? (await loader.load(key(oid.toHexString()))).map(toNode) : [];
}

/**
 * A subgraph's share of the TenantUsage entity: the reference is its own key, and each of the
 * subgraph's count fields is read from one entry of its `usage` loader, which decides what the
 * caller may count; all of a tenant's fields cost one batch.
 */
export function tenantUsageResolvers<C, U extends object, F extends keyof U & string>(
  usageOf: (ctx: C) => DataLoader<string, U>,
  fields: readonly F[],
): TenantUsageResolverMap<C, U, F> {
  // Filled just below, one resolver per field.
  const counts = {} as CountResolvers<C, U, F>;
  for (const field of fields)
    counts[field] = (u, _, ctx) =>
      usageOf(ctx)
        .load(u.tenantId)
        .then((usage) => usage[field]);
  return { __resolveReference: (ref) => ({ tenantId: ref.tenantId }), ...counts };
}

type CountResolvers<C, U, F extends keyof U> = { [K in F]: (u: TenantUsageRef, _: unknown, ctx: C) => Promise<U[K]> };

/** What tenantUsageResolvers makes: the reference resolver and one resolver per count field. */
export type TenantUsageResolverMap<C, U, F extends keyof U> = {
  __resolveReference: (ref: TenantUsageRef) => TenantUsageRef;
} & CountResolvers<C, U, F>;
