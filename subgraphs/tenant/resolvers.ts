import { requirePlatformAdmin } from '../../shared/auth';
import { errors } from '../../shared/errors';
import type { RequestContext } from '../../shared/graphql/context';
import { loadReference } from '../../shared/graphql/entities';
import { DateTime } from '../../shared/graphql/scalars';
import { parsePage, toConnection } from '../../shared/pagination';
import { numberInRange, requiredText } from '../../shared/validate';
import type { TenantLoaders } from './loaders';
import type { TenantRepository } from './repository';
import type { Limits, Plan, TenantDoc } from './model';

export interface TenantContext extends RequestContext {
  repo: TenantRepository;
  loaders: TenantLoaders;
}

const SLUG = /^[a-z0-9-]{3,40}$/;

function toTenant(doc: TenantDoc) {
  return {
    id: doc._id.toHexString(),
    slug: doc.slug,
    name: doc.name,
    plan: doc.plan,
    limits: { ...doc.limits, maxQueryCost: doc.limits.maxQueryCost ?? null },
    createdAt: doc.createdAt,
    // Counted by the subgraphs that own the collections (TenantUsage's other fields).
    usage: { tenantId: doc._id.toHexString() },
  };
}

async function ownTenant(ctx: TenantContext) {
  const own = ctx.tenant('read');
  const doc = await ctx.loaders.tenantById.load(own.toHexString());
  if (!doc) throw errors.notFound('Tenant', own.toHexString());
  return toTenant(doc);
}

type LimitsInput = Partial<Record<keyof Limits, number | null>> | null | undefined;

/** The fields to set and, for an explicit `maxQueryCost: null`, to unset (back to the default). */
function limitsPatch(input: LimitsInput): { set: Record<string, number>; unset: string[] } {
  const set: Record<string, number> = {};
  const unset = input?.maxQueryCost === null ? ['limits.maxQueryCost'] : [];
  for (const key of ['requestsPerMinute', 'assessmentsPerHour', 'maxCandidates', 'maxQueryCost'] as const) {
    const v = input?.[key];
    if (v === undefined || v === null) continue;
    if (!Number.isInteger(v))
      throw errors.badInput(`expected limits.${key} to be a whole number, received ${v}`, `limits.${key}`);
    set[`limits.${key}`] = numberInRange(v, `limits.${key}`, 1, 1_000_000_000);
  }
  return { set, unset };
}

export const resolvers = {
  DateTime,
  Query: {
    viewer: (_: unknown, __: unknown, ctx: TenantContext) => {
      const p = ctx.principal();
      return { userId: p.userId, roles: p.roles };
    },
    tenant: (_: unknown, __: unknown, ctx: TenantContext) => ownTenant(ctx),
    tenants: async (_: unknown, args: { first?: number; after?: string }, ctx: TenantContext) => {
      requirePlatformAdmin(ctx.principal());
      const page = parsePage(args.first, args.after);
      return toConnection(await ctx.repo.list(page), page, toTenant, () => ctx.repo.count());
    },
  },
  Viewer: {
    tenant: async (_: unknown, __: unknown, ctx: TenantContext) => {
      const p = ctx.principal();
      if (!p.tenantId || !p.roles.some((r) => r !== 'platform-admin')) return null;
      return ownTenant(ctx);
    },
  },
  Tenant: {
    __resolveReference: (ref: { id: string }, ctx: TenantContext) =>
      loadReference(ctx.loaders.tenantById, ref.id, toTenant),
  },
  Mutation: {
    createTenant: async (
      _: unknown,
      { input }: { input: { slug: string; name: string; plan?: Plan } },
      ctx: TenantContext,
    ) => {
      requirePlatformAdmin(ctx.principal());
      if (!SLUG.test(input.slug))
        throw errors.badInput(`expected slug to match [a-z0-9-]{3,40}, received "${input.slug.slice(0, 60)}"`, 'slug');
      return toTenant(
        await ctx.repo.create({ slug: input.slug, name: requiredText(input.name, 'name'), plan: input.plan ?? 'FREE' }),
      );
    },
    updateTenant: async (
      _: unknown,
      {
        input,
      }: {
        input: {
          name?: string | null;
          plan?: Plan | null;
          limits?: LimitsInput;
        };
      },
      ctx: TenantContext,
    ) => {
      const own = ctx.tenant('admin');
      const limits = limitsPatch(input.limits);
      const set: Record<string, unknown> = { ...limits.set };
      if (input.name !== undefined && input.name !== null) set.name = requiredText(input.name, 'name');
      if (input.plan) set.plan = input.plan;
      const doc =
        Object.keys(set).length || limits.unset.length
          ? await ctx.repo.update(own, set, limits.unset)
          : await ctx.loaders.tenantById.load(own.toHexString());
      if (!doc) throw errors.notFound('Tenant', own.toHexString());
      return toTenant(doc);
    },
  },
};
