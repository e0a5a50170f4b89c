import type { ObjectId } from 'mongodb';
import type { Plan, PlanLimits } from '../../shared/plans';

/** Tenants, their plans and limits (each plan's limits are configured: shared/plans.ts, PLAN_LIMITS_*). */
export type { Plan } from '../../shared/plans';
export type Limits = PlanLimits;
export interface TenantDoc {
  _id: ObjectId;
  slug: string;
  name: string;
  plan: Plan;
  limits: Limits;
  createdAt: Date;
}
