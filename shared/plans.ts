/** Plans and their limits, shared by the tenant subgraph (which sets them) and the gateway (which falls back on them). */
export const PLANS = ['FREE', 'TEAM', 'ENTERPRISE'] as const;
export type Plan = (typeof PLANS)[number];

export interface PlanLimits {
  requestsPerMinute: number;
  assessmentsPerHour: number;
  maxCandidates: number;
  /** Demand control's limit; absent: the gateway's LIMIT_MAX_COST. */
  maxQueryCost?: number;
}

/** The largest value any limit may have (the schema's TenantLimitsInput range). */
export const LIMIT_MAX = 1_000_000_000;

/** Each plan's limits unless PLAN_LIMITS_<PLAN> says otherwise. */
export const BUILT_IN_PLAN_LIMITS: Record<Plan, PlanLimits> = {
  FREE: { requestsPerMinute: 120, assessmentsPerHour: 20, maxCandidates: 500 },
  TEAM: { requestsPerMinute: 1200, assessmentsPerHour: 200, maxCandidates: 20_000 },
  ENTERPRISE: { requestsPerMinute: 12_000, assessmentsPerHour: 2000, maxCandidates: 1_000_000 },
};

const KEYS = ['requestsPerMinute', 'assessmentsPerHour', 'maxCandidates', 'maxQueryCost'] as const;

/**
 * A PLAN_LIMITS_<PLAN> value: a JSON object with any of the four limits, each a whole number in
 * 1..1000000000; the keys it leaves out keep the built-in value. Throws a message naming what is wrong.
 */
export function parsePlanLimits(plan: Plan, raw: string | undefined): PlanLimits {
  const base = BUILT_IN_PLAN_LIMITS[plan];
  if (raw === undefined || raw.trim() === '') return base;
  let given: unknown;
  try {
    given = JSON.parse(raw);
  } catch {
    throw new Error(`expected a JSON object like {"requestsPerMinute":120}, received "${raw.slice(0, 80)}"`);
  }
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    throw new Error(`expected a JSON object like {"requestsPerMinute":120}, received "${raw.slice(0, 80)}"`);
  const out: PlanLimits = { ...base };
  for (const [key, value] of Object.entries(given)) {
    if (!(KEYS as readonly string[]).includes(key))
      throw new Error(`expected only the keys ${KEYS.join(', ')}, received "${key}"`);
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > LIMIT_MAX)
      throw new Error(`expected ${key} to be a whole number from 1 to ${LIMIT_MAX}, received ${JSON.stringify(value)}`);
    out[key as (typeof KEYS)[number]] = value as number;
  }
  return out;
}
