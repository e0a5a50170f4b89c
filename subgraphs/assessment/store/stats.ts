import { ObjectId, type Db } from 'mongodb';
import type { TenantScoped } from '../../../shared/mongo/scoped';
import { sumsPerTenant } from '../../../shared/mongo/tenant-counts';
import type { AssessmentDoc, AssessmentStatus, Recommendation } from './model';

/** In the schema's order of AssessmentStatus and Recommendation. */
const STATUSES: AssessmentStatus[] = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'];
const RECOMMENDATIONS: Recommendation[] = ['STRONG_HIRE', 'HIRE', 'MAYBE', 'NO_HIRE'];
const BUCKETS = 10;

export interface AssessmentStats {
  total: number;
  byStatus: Array<{ status: AssessmentStatus; count: number }>;
  averageScore: number | null;
  scoreDistribution: Array<{ from: number; to: number; count: number }>;
  byRecommendation: Array<{ recommendation: Recommendation; count: number }>;
}

export interface AssessmentUsage {
  assessments: number;
  assessmentsLast30Days: number;
}

/** One group of the stats aggregation: the assessments of a parent with one status, recommendation and score bucket. */
interface StatsGroup {
  _id: { parent: ObjectId; status: AssessmentStatus; recommendation: Recommendation | null; bucket: number | null };
  n: number;
  scoreSum: number;
  scored: number;
}

/**
 * The stats of the assessments of every candidate (or job) asked for, in one aggregation: one
 * group per parent, status, recommendation and score bucket, folded here into each parent's stats.
 */
export async function statsOfParents(
  scoped: TenantScoped<AssessmentDoc>,
  field: 'candidateId' | 'jobId',
  parentIds: readonly string[],
): Promise<AssessmentStats[]> {
  const groups = await scoped.aggregate<StatsGroup>([
    { $match: { [field]: { $in: parentIds.map((id) => new ObjectId(id)) } } },
    {
      $group: {
        _id: {
          parent: `$${field}`,
          status: '$status',
          recommendation: { $ifNull: ['$recommendation', null] },
          // Scores are 0..100: [0, 10) … [90, 100], 100 in the last bucket.
          bucket: {
            $cond: [{ $isNumber: '$score' }, { $min: [BUCKETS - 1, { $floor: { $divide: ['$score', 10] } }] }, null],
          },
        },
        n: { $sum: 1 },
        scoreSum: { $sum: { $cond: [{ $isNumber: '$score' }, '$score', 0] } },
        scored: { $sum: { $cond: [{ $isNumber: '$score' }, 1, 0] } },
      },
    },
  ]);
  const byParent = new Map<string, StatsGroup[]>();
  for (const g of groups) {
    const key = g._id.parent.toHexString();
    byParent.set(key, [...(byParent.get(key) ?? []), g]);
  }
  return parentIds.map((id) => fold(byParent.get(id) ?? []));
}

/** The stats of a parent with no assessments (or an id that is not one). */
export const emptyStats = (): AssessmentStats => fold([]);

function fold(groups: StatsGroup[]): AssessmentStats {
  const sum = (pick: (g: StatsGroup) => boolean) => groups.filter(pick).reduce((n, g) => n + g.n, 0);
  const scored = groups.reduce((n, g) => n + g.scored, 0);
  return {
    total: sum(() => true),
    byStatus: STATUSES.map((status) => ({ status, count: sum((g) => g._id.status === status) })),
    averageScore: scored ? groups.reduce((s, g) => s + g.scoreSum, 0) / scored : null,
    scoreDistribution: Array.from({ length: BUCKETS }, (_, b) => ({
      from: b * 10,
      to: (b + 1) * 10,
      count: sum((g) => g._id.bucket === b),
    })),
    byRecommendation: RECOMMENDATIONS.map((recommendation) => ({
      recommendation,
      count: sum((g) => g._id.recommendation === recommendation),
    })),
  };
}

/** Assessments, and those of the last 30 days, of each tenant asked for (the caller checked it may see them). */
export function assessmentUsage(db: Db, tenantIds: readonly ObjectId[], now = new Date()) {
  const since = new Date(now.getTime() - 30 * 86_400_000);
  return sumsPerTenant<keyof AssessmentUsage>(
    db.collection('assessments'),
    tenantIds,
    {},
    {
      assessments: { $sum: 1 },
      assessmentsLast30Days: { $sum: { $cond: [{ $gte: ['$createdAt', since] }, 1, 0] } },
    },
  );
}
