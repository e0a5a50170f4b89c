import type { Logger } from '../shared/logger';

export interface TenantLimits { requestsPerMinute: number; assessmentsPerHour: number; maxCandidates: number }

/**
 * A tenant's limits as the tenant subgraph reports them, asked with the caller's own token and
 * kept for `ttlMs`; an updateTenant through this gateway drops the entry at once, other gateways
 * see the change within ttlMs.
 */
export class TenantLimitsCache {
  private readonly entries = new Map<string, { at: number; limits: Promise<TenantLimits | null> }>();

  constructor(private readonly tenantUrl: string, private readonly ttlMs: number, private readonly log: Logger) {}

  get(tenantId: string, authorization: string | undefined, requestId: string): Promise<TenantLimits | null> {
    const hit = this.entries.get(tenantId);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.limits;
    const limits = this.fetch(authorization, requestId);
    this.entries.set(tenantId, { at: Date.now(), limits });
    return limits;
  }

  forget(tenantId: string): void {
    this.entries.delete(tenantId);
  }

  private async fetch(authorization: string | undefined, requestId: string): Promise<TenantLimits | null> {
    try {
      const res = await fetch(this.tenantUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ query: '{ tenant { limits { requestsPerMinute assessmentsPerHour maxCandidates } } }' }),
        signal: AbortSignal.timeout(5000),
      });
      const body = (await res.json()) as { data?: { tenant?: { limits?: TenantLimits } } };
      return body.data?.tenant?.limits ?? null;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not read tenant limits; not rate limiting this request');
      return null;
    }
  }
}
