import { LRUCache } from 'lru-cache';
import { Counter, type Registry } from 'prom-client';
import { actingTenant, type Principal } from '../../shared/auth';
import { EntityClient } from '../../shared/graphql/entity-client';
import type { Logger } from '../../shared/logger';
import type { PlanLimits } from '../../shared/plans';
import type { SubgraphTimeout } from '../execution/subgraph-timeout';

/** The tenant whose limits apply to this caller: none for a platform admin without a tenant role. */
export function tenantOf(p: Principal | null): string | null {
  return actingTenant(p, 'read', 'null')?.toHexString() ?? null;
}

export interface TenantLimits {
  requestsPerMinute: number;
  assessmentsPerHour: number;
  maxCandidates: number;
  /** null: the gateway's LIMIT_MAX_COST. */
  maxQueryCost: number | null;
}

/** A plan's configured limits in the shape the tenant subgraph answers with. */
export const asTenantLimits = (plan: PlanLimits): TenantLimits => ({
  ...plan,
  maxQueryCost: plan.maxQueryCost ?? null,
});

/** How soon limits that could not be read are asked for again (at most TENANT_LIMITS_CACHE_MS). */
const FALLBACK_RETRY_MS = 1000;
/** Tenants whose last good limits are remembered for a fallback; the least recently used go first. */
const LAST_KNOWN_MAX = 10_000;

export interface TenantLimitsCacheOptions {
  tenantUrl: string;
  /** TENANT_LIMITS_CACHE_MS. */
  ttlMs: number;
  log: Logger;
  /** What applies to a tenant whose limits were never read here when they cannot be read: the FREE plan's. */
  fallback: TenantLimits;
  /** Where hiregraph_tenant_limits_fallback_total is registered (the gateway's /metrics). */
  registry: Registry;
  /** SUBGRAPH_TIMEOUT_MS: a read that takes longer is counted as a timeout and takes a fallback. */
  timeout: SubgraphTimeout;
}

/**
 * A tenant's limits as the tenant subgraph reports them (its `_entities`), asked with the caller's token and
 * kept for `ttlMs`; an updateTenant or setTenantPlan through this gateway drops the entry at once, other
 * gateways see the change within ttlMs.
 *
 * It fails closed: when the limits cannot be read (the tenant subgraph unreachable, erroring, or not
 * knowing the tenant), the limits this gateway last read for the tenant apply, else the FREE plan's;
 * each such read is counted, by which fallback it took.
 */
export class TenantLimitsCache {
  private readonly entries = new Map<string, { until: number; limits: Promise<TenantLimits> }>();
  private readonly lastKnown = new LRUCache<string, TenantLimits>({ max: LAST_KNOWN_MAX });
  private readonly owner: EntityClient;
  private readonly fallbacks: Counter<'fallback'>;

  constructor(private readonly opts: TenantLimitsCacheOptions) {
    this.owner = new EntityClient(opts.tenantUrl, 'Tenant', opts.timeout.of('tenant'));
    this.fallbacks = new Counter({
      name: 'hiregraph_tenant_limits_fallback_total',
      help: "Reads of a tenant's limits that failed, so the gateway applied fallback limits: the tenant's last known (last_known) or the FREE plan's (free_plan)",
      labelNames: ['fallback'] as const,
      registers: [opts.registry],
    });
  }

  get(tenantId: string, authorization: string | undefined, requestId: string): Promise<TenantLimits> {
    const hit = this.entries.get(tenantId);
    if (hit && Date.now() < hit.until) return hit.limits;
    const entry = { until: Date.now() + this.opts.ttlMs, limits: Promise.resolve(this.opts.fallback) };
    entry.limits = this.fetch(tenantId, authorization, requestId).then(({ limits, fallback }) => {
      // Fallback limits are asked for again soon: the tenant subgraph may be back.
      if (fallback) entry.until = Math.min(entry.until, Date.now() + FALLBACK_RETRY_MS);
      return limits;
    });
    this.entries.set(tenantId, entry);
    return entry.limits;
  }

  forget(tenantId: string): void {
    this.entries.delete(tenantId);
  }

  private async fetch(
    tenantId: string,
    authorization: string | undefined,
    requestId: string,
  ): Promise<{ limits: TenantLimits; fallback: boolean }> {
    let problem: unknown;
    try {
      const [tenant] = await this.owner.fetch<{ id: string; limits: TenantLimits }>(
        { authorization, requestId, log: this.opts.log },
        [tenantId],
        'id limits { requestsPerMinute assessmentsPerHour maxCandidates maxQueryCost }',
      );
      if (tenant?.limits) {
        this.lastKnown.set(tenantId, tenant.limits);
        return { limits: tenant.limits, fallback: false };
      }
      problem = new Error('the tenant subgraph does not know the tenant');
    } catch (err) {
      problem = err;
    }
    const known = this.lastKnown.get(tenantId);
    const fallback = known ? 'last_known' : 'free_plan';
    this.fallbacks.inc({ fallback });
    this.opts.log.warn(
      { tenantId, err: problem, fallback },
      "could not read the tenant's limits; applying fallback limits",
    );
    return { limits: known ?? this.opts.fallback, fallback: true };
  }
}
