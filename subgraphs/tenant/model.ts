import type { ObjectId } from 'mongodb';

/** Tenants, their plans and limits. */
export type Plan = 'FREE' | 'TEAM' | 'ENTERPRISE';
export interface Limits {
  requestsPerMinute: number;
  assessmentsPerHour: number;
  maxCandidates: number;
  /** Demand control's limit for this tenant; absent: the gateway's LIMIT_MAX_COST. */
  maxQueryCost?: number;
}
export interface TenantDoc {
  _id: ObjectId;
  slug: string;
  name: string;
  plan: Plan;
  limits: Limits;
  createdAt: Date;
}

/** Each plan's starting limits; an admin may change them with updateTenant. */
export const PLAN_LIMITS: Record<Plan, Limits> = {
  FREE: { requestsPerMinute: 120, assessmentsPerHour: 20, maxCandidates: 500 },
  TEAM: { requestsPerMinute: 1200, assessmentsPerHour: 200, maxCandidates: 20_000 },
  ENTERPRISE: { requestsPerMinute: 12_000, assessmentsPerHour: 2000, maxCandidates: 1_000_000 },
};
