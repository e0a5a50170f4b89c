import type { Principal } from '../shared/auth';
import { EntityClient } from '../shared/graphql/entity-client';
import type { Logger } from '../shared/logger';

/** The tenant whose limits apply to this caller: none for a platform admin without a tenant role. */
export function tenantOf(p: Principal | null): string | null {
  return p?.tenantId && p.roles.some((r) => r !== 'platform-admin') ? p.tenantId.toHexString() : null;
}

export interface TenantLimits {
  requestsPerMinute: number;
  assessmentsPerHour: number;
  maxCandidates: number;
  /** null: the gateway's LIMIT_MAX_COST. */
  maxQueryCost: number | null;
}

/**
 * A tenant's limits as the tenant subgraph reports them (its `_entities`), asked with the caller's token and
 * kept for `ttlMs`; an updateTenant through this gateway drops the entry at once, other gateways
 * see the change within ttlMs.
 */
export class TenantLimitsCache {
  private readonly entries = new Map<string, { at: number; limits: Promise<TenantLimits | null> }>();

  private readonly owner: EntityClient;

  constructor(
    tenantUrl: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {
    this.owner = new EntityClient(tenantUrl, 'Tenant');
  }

  get(tenantId: string, authorization: string | undefined, requestId: string): Promise<TenantLimits | null> {
    const hit = this.entries.get(tenantId);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.limits;
    const limits = this.fetch(tenantId, authorization, requestId);
    this.entries.set(tenantId, { at: Date.now(), limits });
    return limits;
  }

  forget(tenantId: string): void {
    this.entries.delete(tenantId);
  }

  private async fetch(
    tenantId: string,
    authorization: string | undefined,
    requestId: string,
  ): Promise<TenantLimits | null> {
    try {
      const [tenant] = await this.owner.fetch<{ id: string; limits: TenantLimits }>(
        { authorization, requestId, log: this.log },
        [tenantId],
        'id limits { requestsPerMinute assessmentsPerHour maxCandidates maxQueryCost }',
      );
      return tenant?.limits ?? null;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not read tenant limits; not rate limiting this request');
      return null;
    }
  }
}
