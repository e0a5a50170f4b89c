import { actingTenant } from '../../shared/auth';
import { errors } from '../../shared/errors';
import type { RequestContext } from '../../shared/graphql/context';
import { loadReference } from '../../shared/graphql/entities';
import { DateTime } from '../../shared/graphql/scalars';
import { connectionResolvers, parsePage, toConnection } from '../../shared/pagination';
import { parseId } from '../../shared/mongo/ids';
import { requiredText } from '../../shared/validate';
import { isEmpty, lowerOnly, parseLimits, patchUpdate, planWithPatch, type LimitsInput } from './limits';
import type { TenantLoaders } from './loaders';
import type { TenantRepository } from './repository';
import type { Plan, TenantDoc } from './model';
import type { Resolvers } from './generated/resolvers-types';
import { toTenant } from './view';

export interface TenantContext extends RequestContext {
  repo: TenantRepository;
  loaders: TenantLoaders;
  /** The gateway's LIMIT_MAX_COST: what a tenant's unset maxQueryCost means. */
  defaultMaxCost: number;
}

const SLUG = /^[a-z0-9-]{3,40}$/;

async function ownTenant(ctx: TenantContext) {
  const own = ctx.tenant('read');
  const doc = await ctx.loaders.tenantById.load(own.toHexString());
  if (!doc) throw errors.notFound('Tenant', own.toHexString());
  return toTenant(doc);
}

/** How many times a guarded change is tried again when another change to the tenant landed in between. */
const GUARDED_ATTEMPTS = 3;

/**
 * updateTenant: the caller's tenant renamed and its limits lowered, never raised and never its plan
 * (setTenantPlan, platform-admin only, does that). Checked against the tenant as read, and written
 * only if that still holds, so nothing is half-written and two admins racing cannot raise it.
 */
async function updateOwnTenant(
  input: { name?: string | null; plan?: Plan | null; limits?: LimitsInput },
  ctx: TenantContext,
): Promise<TenantDoc> {
  const own = ctx.tenant('admin');
  if (input.plan)
    throw errors.forbidden(
      `expected no plan: a tenant admin may not change its tenant's plan (a platform admin does, with setTenantPlan), received plan ${input.plan}`,
    );
  const patch = parseLimits(input.limits);
  const name = input.name === undefined || input.name === null ? undefined : requiredText(input.name, 'name');
  for (let attempt = 0; ; attempt++) {
    const current = await ctx.repo.byId(own);
    if (!current) throw errors.notFound('Tenant', own.toHexString());
    const guard = lowerOnly(current.limits, patch, ctx.defaultMaxCost);
    const { set, unset } = patchUpdate(patch);
    if (name !== undefined) (set as Record<string, unknown>).name = name;
    if (!Object.keys(set).length && !unset.length) return current;
    const doc = await ctx.repo.update(own, set, unset, guard);
    if (doc) return doc;
    if (attempt + 1 >= GUARDED_ATTEMPTS)
      throw errors.conflict('the tenant changed while it was being updated; try again');
  }
}

/** setTenantPlan: a platform admin sets any tenant's plan (its limits become the plan's) and any limits. */
async function setTenantPlan(
  args: { id: string; plan?: Plan | null; limits?: LimitsInput },
  ctx: TenantContext,
): Promise<TenantDoc> {
  actingTenant(ctx.principal(), 'platform');
  const id = parseId(args.id);
  const patch = parseLimits(args.limits);
  if (!args.plan && isEmpty(patch)) throw errors.badInput('expected a plan, limits or both, received neither', 'plan');
  const doc = args.plan
    ? await ctx.repo.update(id, { plan: args.plan, limits: planWithPatch(ctx.repo.plans, args.plan, patch) })
    : await ctx.repo.update(id, patchUpdate(patch).set, patchUpdate(patch).unset);
  if (!doc) throw errors.notFound('Tenant', id.toHexString());
  return doc;
}

export const resolvers: Resolvers = {
  DateTime,
  TenantConnection: connectionResolvers,
  Query: {
    viewer: (_, __, ctx) => {
      const p = ctx.principal();
      return { userId: p.userId, roles: p.roles };
    },
    tenant: (_, __, ctx) => ownTenant(ctx),
    tenants: async (_, args, ctx) => {
      actingTenant(ctx.principal(), 'platform');
      const page = parsePage(args.first, args.after);
      return toConnection(await ctx.repo.list(page), page, toTenant, () => ctx.repo.count());
    },
  },
  Viewer: {
    tenant: async (_, __, ctx) => {
      // A platform admin without a tenant role has no tenant of its own: null, not FORBIDDEN.
      if (!actingTenant(ctx.principal(), 'read', 'null')) return null;
      return ownTenant(ctx);
    },
  },
  Tenant: {
    __resolveReference: (ref, ctx) => loadReference(ctx.loaders.tenantById, ref.id, toTenant),
  },
  Mutation: {
    createTenant: async (_, { input }, ctx) => {
      actingTenant(ctx.principal(), 'platform');
      if (!SLUG.test(input.slug))
        throw errors.badInput(`expected slug to match [a-z0-9-]{3,40}, received "${input.slug.slice(0, 60)}"`, 'slug');
      return toTenant(
        await ctx.repo.create({ slug: input.slug, name: requiredText(input.name, 'name'), plan: input.plan ?? 'FREE' }),
      );
    },
    updateTenant: async (_, { input }, ctx) => toTenant(await updateOwnTenant(input, ctx)),
    setTenantPlan: async (_, args, ctx) => toTenant(await setTenantPlan(args, ctx)),
  },
};
