import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient as httpClient, NetworkError } from 'graphql-http';
import { QUERY as BENCH_QUERY } from '../../bench/graph';
import { commandsDuring } from '../support/metrics';
import { DEEP_QUERY, seedJobsWithApplicants } from '../support/seed-graph';
import { useTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait';
import { collect, wsClient } from '../support/ws-client';

/** Demand control at the gateway, at the default limit and with a tenant's own maxQueryCost. */
const t = useTestStack({ TENANT_LIMITS_CACHE_MS: '600000' });
let seeded: string;
// Tenant limits stay cached (an updateTenant through this gateway still drops them at once), so a
// refused operation's only lookup is answered from memory and its MongoDB commands can be counted.
beforeAll(async () => {
  seeded = (await seedJobsWithApplicants(t, 3, 2)).token;
});

type Refusal = { message: string; extensions: { code: string; estimatedCost: number; maxCost: number } };
const refusalOf = (r: { errors?: unknown[] }) => r.errors?.[0] as Refusal | undefined;

const NEST =
  '{ jobs(first: 100) { edges { node { applications(first: 100) { edges { node { job { applications(first: 100) { edges { node { id } } } } } } } } } } }';

/** The GraphQL blocks of the README's demand-control section: the dashboards that must pass at the defaults. */
function readmeDashboards(): string[] {
  const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Demand control'),
    readme.indexOf('\n## ', readme.indexOf('## Demand control') + 1),
  );
  return [...section.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

test("the README's dashboards, the first query, the N+1 and benchmark queries pass at the default limit", async () => {
  const dashboards = readmeDashboards();
  expect(dashboards.length).toBeGreaterThanOrEqual(2);
  for (const query of dashboards) {
    const r = await t.gql(query, {}, seeded);
    expect([r.status, r.errors]).toEqual([200, undefined]);
  }
  const first = await t.gql(
    '{ tenant { name } jobs { edges { node { title applications { edges { node { stage candidate { name skills } } } } } } } }',
    {},
    seeded,
  );
  expect(first.errors).toBeUndefined();
  expect((await t.gql(DEEP_QUERY, { n: 30 }, seeded)).errors).toBeUndefined();
  const bench = await t.gql<{ jobs: { edges: unknown[] } }>(BENCH_QUERY, {}, seeded);
  expect(bench.errors).toBeUndefined();
  expect(bench.data!.jobs.edges).toHaveLength(3);
});

test('a three-level nest of first: 100 is refused before any subgraph reads MongoDB', async () => {
  expect((await t.gql('{ tenant { id } }', {}, seeded)).errors).toBeUndefined(); // the limits are now cached
  let refused: Awaited<ReturnType<TestStack['gql']>> | undefined;
  const commands = await commandsDuring(t.stack, async () => {
    refused = await t.gql(NEST, {}, seeded);
  });
  expect(commands).toEqual({});
  expect(refused!.status).toBe(400);
  expect(refused!.data).toBeNull();
  const e = refusalOf(refused!)!;
  // 1 + 100 × (3 + 100 × (4 + 100 × 2)), against LIMIT_MAX_COST's default
  expect(e.extensions).toMatchObject({
    code: 'COST_ESTIMATED_TOO_EXPENSIVE',
    estimatedCost: 2_040_301,
    maxCost: 300_000,
  });
  expect(e.message).toMatch(/at most 300000.*estimated at 2040301/);
});

test('an outside client (graphql-http) is told the same, as a 400 it can read', async () => {
  const client = httpClient({ url: t.stack.gateway.url, headers: { authorization: `Bearer ${seeded}` } });
  const outcome = await new Promise<unknown>((resolveOutcome) => {
    client.subscribe({ query: NEST }, { next: resolveOutcome, error: resolveOutcome, complete: () => undefined });
  });
  expect(outcome).toBeInstanceOf(NetworkError);
  const response = (outcome as NetworkError<Response>).response!;
  expect(response.status).toBe(400);
  const body = (await response.json()) as { errors: Refusal[] };
  expect(body.errors[0]!.extensions.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
  client.dispose();
});

test("a tenant's maxQueryCost applies to that tenant only, over HTTP and at subscribe time, and a platform admin's null restores the default", async () => {
  const a = await t.newTenant();
  const b = await t.newTenant();
  const setLimit = (value: number | null) =>
    t.gql<{ updateTenant: { limits: { maxQueryCost: number | null } } }>(
      'mutation($v: Int) { updateTenant(input: { limits: { maxQueryCost: $v } }) { limits { maxQueryCost } } }',
      { v: value },
      a.admin,
    );
  expect((await setLimit(50)).data!.updateTenant.limits.maxQueryCost).toBe(50);
  const costs61 = '{ jobs(first: 30) { edges { node { id } } } }'; // 1 + 30 × 2
  const costs41 = '{ jobs { edges { node { id } } } }'; // 1 + 20 × 2
  const overA = await t.gql(costs61, {}, a.admin);
  expect(overA.status).toBe(400);
  expect(refusalOf(overA)?.extensions).toMatchObject({
    code: 'COST_ESTIMATED_TOO_EXPENSIVE',
    estimatedCost: 61,
    maxCost: 50,
  });
  expect((await t.gql(costs41, {}, a.admin)).errors).toBeUndefined();
  expect((await t.gql(costs61, {}, b.admin)).errors).toBeUndefined();

  // 1 + 1 + 1 + 1 + 30 × 2 = 64: over A's 50, under B's default.
  const sub =
    'subscription { assessmentEvents { assessment { job { applications(first: 30) { edges { node { id } } } } } } }';
  const clientA = wsClient(t.stack.gateway.url, a.admin);
  const clientB = wsClient(t.stack.gateway.url, b.admin);
  try {
    const refusedSub = collect(clientA, sub);
    await refusedSub.done;
    expect(refusedSub.errors[0]).toMatchObject({
      extensions: { code: 'COST_ESTIMATED_TOO_EXPENSIVE', estimatedCost: 64, maxCost: 50 },
    });
    const admitted = collect(clientB, sub);
    await waitFor(async () => t.stack.gateway.openSubscriptions() === 1, 10_000, 'B subscribed');
    expect(admitted.errors).toEqual([]);
    admitted.stop();
  } finally {
    await clientA.dispose();
    await clientB.dispose();
  }

  // Back to the default is a raise: a platform admin's (setTenantPlan); an admin's own is FORBIDDEN.
  expect((await setLimit(null)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const restored = await t.gql<{ setTenantPlan: { limits: { maxQueryCost: number | null } } }>(
    'mutation($id: ID!) { setTenantPlan(id: $id, limits: { maxQueryCost: null }) { limits { maxQueryCost } } }',
    { id: a.id },
    await t.token('platform-admin'),
  );
  expect(restored.data!.setTenantPlan.limits.maxQueryCost).toBeNull();
  expect((await t.gql(costs61, {}, a.admin)).errors).toBeUndefined();
});

test('maxQueryCost must be a whole number in 1..1000000000', async () => {
  const { admin } = await t.newTenant();
  for (const v of [0, -5, 2_000_000_000]) {
    const r = await t.gql(
      'mutation($v: Int) { updateTenant(input: { limits: { maxQueryCost: $v } }) { id } }',
      { v },
      admin,
    );
    expect(refusalOf(r)?.extensions.code).toBe('BAD_USER_INPUT');
  }
});

/** The sum and count of one series of a histogram on the gateway's /metrics. */
async function histogram(name: string, labels: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(t.stack.gateway.metricsUrl)).text();
  const read = (suffix: string) => {
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`${name}_${suffix}{`) && labels.split(',').every((p) => l.includes(p)));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };
  return { sum: read('sum'), count: read('count') };
}

test('estimated and actual costs are measured per operation', async () => {
  const estimatedBefore = await histogram('hiregraph_operation_cost_estimated', 'type="query",result="COST_OK"');
  const actualBefore = await histogram('hiregraph_operation_cost_actual', 'type="query"');
  // Estimated 1 + 5 × 2; three jobs come back: 1 + 3 × 2.
  const r = await t.gql<{ jobs: { edges: unknown[] } }>('{ jobs(first: 5) { edges { node { title } } } }', {}, seeded);
  expect(r.data!.jobs.edges).toHaveLength(3);
  const estimatedAfter = await histogram('hiregraph_operation_cost_estimated', 'type="query",result="COST_OK"');
  const actualAfter = await histogram('hiregraph_operation_cost_actual', 'type="query"');
  expect([estimatedAfter.count - estimatedBefore.count, estimatedAfter.sum - estimatedBefore.sum]).toEqual([1, 11]);
  expect([actualAfter.count - actualBefore.count, actualAfter.sum - actualBefore.sum]).toEqual([1, 7]);
  const refusedBefore = await histogram('hiregraph_operation_cost_estimated', 'result="COST_ESTIMATED_TOO_EXPENSIVE"');
  await t.gql(NEST, {}, seeded);
  const refusedAfter = await histogram('hiregraph_operation_cost_estimated', 'result="COST_ESTIMATED_TOO_EXPENSIVE"');
  expect(refusedAfter.count - refusedBefore.count).toBe(1);
});
