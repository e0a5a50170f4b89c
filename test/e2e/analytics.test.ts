import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { seedAnalyticsTenants, type AnalyticsTenants } from '../support/analytics-seed';
import { commandsDuring } from '../support/metrics';
import { seedJobsWithApplicants } from '../support/seed-graph';
import { startTestStack, type TestStack } from '../support/stack';

/** Counts and analytics against hand-computed answers; the data is described in analytics-seed. */
let t: TestStack;
let a: AnalyticsTenants['a'];
let b: AnalyticsTenants['b'];
let ids: AnalyticsTenants['ids'];
beforeAll(async () => {
  t = await startTestStack({ TENANT_LIMITS_CACHE_MS: '600000' });
  ({ a, b, ids } = await seedAnalyticsTenants(t));
});
afterAll(async () => {
  await t?.close();
});

const STATS =
  'total byStatus { status count } averageScore scoreDistribution { from count } byRecommendation { recommendation count }';
const USAGE = 'candidates jobs openJobs applications assessments assessmentsLast30Days';

/** Stats as a compact map: only the non-zero counts, so a wrong zero or an extra count shows. */
function compact(s: {
  total: number;
  byStatus: Array<{ status: string; count: number }>;
  averageScore: number | null;
  scoreDistribution: Array<{ from: number; count: number }>;
  byRecommendation: Array<{ recommendation: string; count: number }>;
}) {
  expect(s.byStatus.map((x) => x.status)).toEqual(['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED']);
  expect(s.scoreDistribution.map((x) => x.from)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
  expect(s.byRecommendation.map((x) => x.recommendation)).toEqual(['STRONG_HIRE', 'HIRE', 'MAYBE', 'NO_HIRE']);
  const nonZero = <T extends { count: number }>(xs: T[], k: (x: T) => string | number) =>
    Object.fromEntries(xs.filter((x) => x.count > 0).map((x) => [k(x), x.count]));
  return {
    total: s.total,
    byStatus: nonZero(s.byStatus, (x) => x.status),
    averageScore: s.averageScore,
    buckets: nonZero(s.scoreDistribution, (x) => x.from),
    byRecommendation: nonZero(s.byRecommendation, (x) => x.recommendation),
  };
}

test('totalCount counts every match of the page’s filter, on every page', async () => {
  const r = await t.gql<Record<string, { totalCount: number; edges: unknown[] }>>(
    `{ all: candidates(first: 1) { totalCount edges { cursor } }
       archived: candidates(filter: { includeArchived: true }) { totalCount }
       go: candidates(first: 1, filter: { skills: ["go"] }) { totalCount edges { cursor } }
       jobs { totalCount } open: jobs(filter: { status: OPEN }) { totalCount }
       completed: assessments(filter: { status: COMPLETED }) { totalCount }
       ofJ0: assessments(first: 1, filter: { jobId: "${ids.j0}" }) { totalCount edges { cursor } } }`,
    {},
    a.admin,
  );
  expect(r.errors).toBeUndefined();
  const counts = Object.fromEntries(Object.entries(r.data!).map(([k, v]) => [k, v.totalCount]));
  expect(counts).toEqual({ all: 3, archived: 4, go: 2, jobs: 3, open: 2, completed: 3, ofJ0: 4 });
  expect(r.data!.all!.edges).toHaveLength(1);
  // The second page of the same filter says the same total.
  const cursor = (r.data!.go!.edges[0] as { cursor: string }).cursor;
  const next = await t.gql<{ candidates: { totalCount: number; edges: unknown[] } }>(
    `{ candidates(first: 1, after: "${cursor}", filter: { skills: ["go"] }) { totalCount edges { cursor } } }`,
    {},
    a.admin,
  );
  expect([next.data!.candidates.totalCount, next.data!.candidates.edges.length]).toEqual([2, 1]);
  const b1 = await t.gql<{ candidates: { totalCount: number }; jobs: { totalCount: number } }>(
    '{ candidates { totalCount } jobs { totalCount } }',
    {},
    b.admin,
  );
  expect(b1.data).toEqual({ candidates: { totalCount: 1 }, jobs: { totalCount: 1 } });
});

test('a job’s pipeline has every stage, its applications a total, its assessments stats', async () => {
  const r = await t.gql<{ job: Record<string, never> }>(
    `query($id: ID!) { job(id: $id) { pipeline { stage count } applications(first: 2) { totalCount edges { cursor } }
       assessmentStats { ${STATS} } } }`,
    { id: ids.j0 },
    a.admin,
  );
  expect(r.errors).toBeUndefined();
  const job = r.data!.job as unknown as {
    pipeline: Array<{ stage: string; count: number }>;
    applications: { totalCount: number; edges: unknown[] };
    assessmentStats: Parameters<typeof compact>[0];
  };
  expect(job.pipeline).toEqual([
    { stage: 'APPLIED', count: 1 },
    { stage: 'SCREENING', count: 1 },
    { stage: 'INTERVIEW', count: 0 },
    { stage: 'OFFER', count: 0 },
    { stage: 'HIRED', count: 1 },
    { stage: 'REJECTED', count: 0 },
  ]);
  expect([job.applications.totalCount, job.applications.edges.length]).toEqual([3, 2]);
  expect(compact(job.assessmentStats)).toEqual({
    total: 4,
    byStatus: { COMPLETED: 3, FAILED: 1 },
    averageScore: (85 + 100 + 42.5) / 3,
    buckets: { 40: 1, 80: 1, 90: 1 }, // 100 falls in the last bucket, [90, 100]
    byRecommendation: { STRONG_HIRE: 1, HIRE: 1, NO_HIRE: 1 },
  });
});

test('a candidate’s stats, a job without scores, and a closed job’s pipeline', async () => {
  const r = await t.gql<Record<string, { assessmentStats?: Parameters<typeof compact>[0]; pipeline?: unknown }>>(
    `query($c: ID!, $j1: ID!, $j2: ID!) {
       c0: candidate(id: $c) { assessmentStats { ${STATS} } }
       j1: job(id: $j1) { assessmentStats { ${STATS} } }
       j2: job(id: $j2) { pipeline { stage count } assessmentStats { total averageScore } } }`,
    { c: ids.c0, j1: ids.j1, j2: ids.j2 },
    a.admin,
  );
  expect(r.errors).toBeUndefined();
  expect(compact(r.data!.c0!.assessmentStats!)).toEqual({
    total: 4,
    byStatus: { RUNNING: 1, COMPLETED: 2, CANCELLED: 1 },
    averageScore: (85 + 42.5) / 2,
    buckets: { 40: 1, 80: 1 },
    byRecommendation: { HIRE: 1, NO_HIRE: 1 },
  });
  expect(compact(r.data!.j1!.assessmentStats!)).toEqual({
    total: 2,
    byStatus: { RUNNING: 1, CANCELLED: 1 },
    averageScore: null,
    buckets: {},
    byRecommendation: {},
  });
  expect(r.data!.j2).toEqual({
    pipeline: ['APPLIED', 'SCREENING', 'INTERVIEW', 'OFFER', 'HIRED', 'REJECTED'].map((stage) => ({
      stage,
      count: stage === 'APPLIED' ? 1 : 0,
    })),
    assessmentStats: { total: 0, averageScore: null },
  });
});

test('each tenant’s usage is its own; a platform admin sees every tenant’s', async () => {
  const usage = async (token: string) =>
    (await t.gql<{ tenant: { usage: Record<string, number> } }>(`{ tenant { usage { ${USAGE} } } }`, {}, token)).data!
      .tenant.usage;
  const forA = { candidates: 3, jobs: 3, openJobs: 2, applications: 5, assessments: 6, assessmentsLast30Days: 5 };
  const forB = { candidates: 1, jobs: 1, openJobs: 1, applications: 1, assessments: 1, assessmentsLast30Days: 1 };
  expect(await usage(a.admin)).toEqual(forA);
  expect(await usage(b.admin)).toEqual(forB);
  const all = await t.gql<{
    tenants: { totalCount: number; edges: Array<{ node: { id: string; usage: Record<string, number> } }> };
  }>(
    `{ tenants(first: 100) { totalCount edges { node { id usage { ${USAGE} } } } } }`,
    {},
    await t.token('platform-admin'),
  );
  expect(all.errors).toBeUndefined();
  expect(all.data!.tenants.totalCount).toBe(2);
  expect(Object.fromEntries(all.data!.tenants.edges.map((e) => [e.node.id, e.node.usage]))).toEqual({
    [a.id]: forA,
    [b.id]: forB,
  });
});

test('nothing crosses: straight to each subgraph, A asking for B’s usage, job and candidate gets nothing of B’s', async () => {
  const entities = async (service: 'candidate' | 'job' | 'assessment', reps: unknown[], selection: string) => {
    const r = await t.gql<{ _entities: unknown[] }>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`,
      { r: reps },
      a.admin,
      t.stack.subgraphs[service].url,
    );
    expect(r.errors).toBeUndefined();
    return r.data!._entities;
  };
  const usageOfB = [{ __typename: 'TenantUsage', tenantId: b.id }];
  expect(await entities('candidate', usageOfB, '... on TenantUsage { candidates }')).toEqual([{ candidates: 0 }]);
  expect(await entities('job', usageOfB, '... on TenantUsage { jobs openJobs applications }')).toEqual([
    { jobs: 0, openJobs: 0, applications: 0 },
  ]);
  expect(await entities('assessment', usageOfB, '... on TenantUsage { assessments assessmentsLast30Days }')).toEqual([
    { assessments: 0, assessmentsLast30Days: 0 },
  ]);
  expect(await entities('job', [{ __typename: 'Job', id: ids.bj }], '... on Job { pipeline { count } }')).toEqual([
    null,
  ]);
  const stats = await entities(
    'assessment',
    [
      { __typename: 'Job', id: ids.bj },
      { __typename: 'Candidate', id: ids.bc },
      { __typename: 'Job', id: 'not-an-id' },
    ],
    '... on Job { assessmentStats { total } } ... on Candidate { assessmentStats { total } }',
  );
  expect(stats).toEqual([
    { assessmentStats: { total: 0 } },
    { assessmentStats: { total: 0 } },
    { assessmentStats: { total: 0 } },
  ]);
});

test('a dashboard of counts and analytics costs the same MongoDB commands over 3 jobs as over 30', async () => {
  const small = await seedJobsWithApplicants(t, 3, 2);
  const large = await seedJobsWithApplicants(t, 30, 2);
  const dashboard = `query($n: Int!) {
    tenant { usage { ${USAGE} } }
    jobs(first: $n) { totalCount edges { node { title pipeline { stage count } assessmentStats { total averageScore }
      applications(first: 5) { totalCount edges { node { stage } } } } } } }`;
  const run = async (token: string, n: number) => {
    await t.gql('{ tenant { id } }', {}, token); // the gateway's tenant-limits cache, warm
    return commandsDuring(t.stack, async () => {
      const r = await t.gql<{ jobs: { totalCount: number; edges: unknown[] } }>(dashboard, { n }, token);
      expect(r.errors).toBeUndefined();
      expect([r.data!.jobs.totalCount, r.data!.jobs.edges.length]).toEqual([n, n]);
    });
  };
  const three = await run(small.token, 3);
  const thirty = await run(large.token, 30);
  expect(thirty).toEqual(three);
  // find: the tenant, the jobs page. aggregate: the applications pages (one $unionWith per job,
  // each page read with its own limit), the jobs' count, the applications' counts, the pipelines,
  // the assessment stats, and usage (candidates, jobs, applications, assessments).
  expect(three).toEqual({ find: 2, aggregate: 9 });
});

test("the README's dashboard answers with tenant A's numbers", async () => {
  const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
  const start = readme.indexOf('## The graph');
  const query = /```graphql\n([\s\S]*?)```/.exec(readme.slice(start))![1]!;
  const r = await t.gql<{
    tenant: { usage: Record<string, number> };
    jobs: { totalCount: number; edges: Array<{ node: { title: string; applications: { totalCount: number } } }> };
  }>(query, {}, a.admin);
  expect(r.errors).toBeUndefined();
  expect(r.data!.tenant.usage).toEqual({ candidates: 3, openJobs: 2, applications: 5, assessmentsLast30Days: 5 });
  expect(r.data!.jobs.totalCount).toBe(2);
  expect(Object.fromEntries(r.data!.jobs.edges.map((e) => [e.node.title, e.node.applications.totalCount]))).toEqual({
    J0: 3,
    J1: 1,
  });
});
