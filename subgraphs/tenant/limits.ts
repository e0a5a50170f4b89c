import { errors } from '../../shared/errors';
import { LIMIT_MAX, type Plan, type PlanLimits } from '../../shared/plans';

const KEYS = ['requestsPerMinute', 'assessmentsPerHour', 'maxCandidates', 'maxQueryCost'] as const;
type Key = (typeof KEYS)[number];

export type LimitsInput = Partial<Record<Key, number | null>> | null | undefined;

/** A validated TenantLimitsInput: the limits to set, and whether maxQueryCost goes back to the default (null). */
export interface LimitsPatch {
  set: Partial<Record<Key, number>>;
  resetMaxQueryCost: boolean;
}

/** Every given limit a whole number in 1..1000000000 (BAD_USER_INPUT otherwise); a null leaves it as it is, but for maxQueryCost. */
export function parseLimits(input: LimitsInput): LimitsPatch {
  const set: LimitsPatch['set'] = {};
  for (const key of KEYS) {
    const v = input?.[key];
    if (v === undefined || v === null) continue;
    if (!Number.isInteger(v) || v < 1 || v > LIMIT_MAX)
      throw errors.badInput(
        `expected limits.${key} to be a whole number from 1 to ${LIMIT_MAX}, received ${v}`,
        `limits.${key}`,
      );
    set[key] = v;
  }
  return { set, resetMaxQueryCost: input?.maxQueryCost === null };
}

export const isEmpty = (p: LimitsPatch): boolean => Object.keys(p.set).length === 0 && !p.resetMaxQueryCost;

/** maxQueryCost absent or null in the document: the gateway default applies. */
const atDefault = { 'limits.maxQueryCost': null };

/**
 * An admin's change may only lower limits: each given limit at most the tenant's current one
 * (maxQueryCost's current one being the gateway default, LIMIT_MAX_COST, when unset), so setting
 * maxQueryCost back to null is allowed only if the default is no higher than what it has now.
 * Throws FORBIDDEN saying the highest value allowed; returns the conditions that must still hold
 * when the change is written, so two changes racing cannot end higher than either allowed.
 */
export function lowerOnly(
  current: PlanLimits,
  patch: LimitsPatch,
  defaultMaxCost: number,
): Array<Record<string, unknown>> {
  const guard: Array<Record<string, unknown>> = [];
  const refuse = (key: Key, allowed: number, received: string) =>
    errors.forbidden(
      `expected limits.${key} at most ${allowed} (the tenant's current limit: an admin may only lower its limits; a platform admin raises them with setTenantPlan), received ${received}`,
    );
  const currentCost = current.maxQueryCost ?? defaultMaxCost;
  for (const [key, value] of Object.entries(patch.set) as Array<[Key, number]>) {
    const now = key === 'maxQueryCost' ? currentCost : current[key];
    if (value > now) throw refuse(key, now, String(value));
    const field = `limits.${key}`;
    guard.push(
      key === 'maxQueryCost' && value <= defaultMaxCost
        ? { $or: [atDefault, { [field]: { $gte: value } }] }
        : { [field]: { $gte: value } },
    );
  }
  if (patch.resetMaxQueryCost) {
    if (defaultMaxCost > currentCost)
      throw refuse('maxQueryCost', currentCost, `null (the gateway default, ${defaultMaxCost})`);
    guard.push({ $or: [atDefault, { 'limits.maxQueryCost': { $gte: defaultMaxCost } }] });
  }
  return guard;
}

/** The update a patch makes of limits left in place (updateTenant; setTenantPlan without a plan). */
export function patchUpdate(patch: LimitsPatch): { set: Record<string, number>; unset: string[] } {
  const set = Object.fromEntries(Object.entries(patch.set).map(([k, v]) => [`limits.${k}`, v]));
  return { set, unset: patch.resetMaxQueryCost ? ['limits.maxQueryCost'] : [] };
}

/** A plan's limits with a patch over them (setTenantPlan with a plan): the whole limits object to write. */
export function planWithPatch(plans: Record<Plan, PlanLimits>, plan: Plan, patch: LimitsPatch): PlanLimits {
  const limits: PlanLimits = { ...plans[plan], ...patch.set };
  if (patch.resetMaxQueryCost) delete limits.maxQueryCost;
  return limits;
}
