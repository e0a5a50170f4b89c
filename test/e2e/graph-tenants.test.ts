import { codeOf, startGraphTenant } from '../support/graph-fixtures';
import type { TestStack } from '../support/stack';

/** Tenant queries and mutations of the graph, through the gateway, on real servers. */
let t: TestStack;
let tenantId: string;
let admin: string;
beforeAll(async () => ({ t, tenantId, admin } = await startGraphTenant()));
afterAll(() => t?.close());

describe('tenants', () => {
  test('viewer and tenant describe the caller', async () => {
    const r = await t.gql(
      '{ viewer { userId roles tenant { id slug } } tenant { id slug name plan limits { requestsPerMinute assessmentsPerHour maxCandidates } createdAt } }',
      {},
      admin,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data).toMatchObject({
      viewer: { userId: 'test-user', roles: ['admin'], tenant: { id: tenantId, slug: 'acme-graph' } },
      tenant: { id: tenantId, plan: 'ENTERPRISE' },
    });
    expect(new Date((r.data as { tenant: { createdAt: string } }).tenant.createdAt).toISOString()).toBe(
      (r.data as { tenant: { createdAt: string } }).tenant.createdAt,
    );
  });

  test('createTenant validates the slug and refuses duplicates', async () => {
    const pa = await t.token('platform-admin');
    const bad = await t.gql('mutation { createTenant(input: { slug: "No Spaces!", name: "x" }) { id } }', {}, pa);
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    const empty = await t.gql('mutation { createTenant(input: { slug: "fine-slug", name: "  " }) { id } }', {}, pa);
    expect(codeOf(empty)).toBe('BAD_USER_INPUT');
    const dup = await t.gql('mutation { createTenant(input: { slug: "acme-graph", name: "Again" }) { id } }', {}, pa);
    expect(codeOf(dup)).toBe('CONFLICT');
    const team = await t.gql<{ createTenant: { plan: string; limits: { maxCandidates: number } } }>(
      'mutation { createTenant(input: { slug: "team-co", name: "Team Co", plan: TEAM }) { plan limits { maxCandidates } } }',
      {},
      pa,
    );
    expect(team.data?.createTenant.plan).toBe('TEAM');
  });

  test('tenants pages newest first for platform admins', async () => {
    const pa = await t.token('platform-admin');
    const p1 = await t.gql<{
      tenants: { edges: Array<{ node: { slug: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } };
    }>('{ tenants(first: 1) { edges { node { slug } } pageInfo { hasNextPage endCursor } } }', {}, pa);
    expect(p1.data?.tenants.edges).toHaveLength(1);
    expect(p1.data?.tenants.pageInfo.hasNextPage).toBe(true);
    const p2 = await t.gql<{ tenants: { edges: Array<{ node: { slug: string } }> } }>(
      'query($a: String) { tenants(first: 100, after: $a) { edges { node { slug } } } }',
      { a: p1.data?.tenants.pageInfo.endCursor },
      pa,
    );
    const all = [p1.data!.tenants.edges[0]!.node.slug, ...p2.data!.tenants.edges.map((e) => e.node.slug)];
    expect(new Set(all).size).toBe(all.length);
    expect(all).toContain('acme-graph');
  });

  test('updateTenant changes only what is given', async () => {
    const r = await t.gql<{
      updateTenant: { name: string; plan: string; limits: { requestsPerMinute: number; maxCandidates: number } };
    }>(
      'mutation { updateTenant(input: { name: "Acme Inc", limits: { requestsPerMinute: 5000 } }) { name plan limits { requestsPerMinute maxCandidates } } }',
      {},
      admin,
    );
    expect(r.data?.updateTenant).toEqual({
      name: 'Acme Inc',
      plan: 'ENTERPRISE',
      limits: { requestsPerMinute: 5000, maxCandidates: 1_000_000 },
    });
    const bad = await t.gql('mutation { updateTenant(input: { limits: { maxCandidates: 0 } }) { id } }', {}, admin);
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
  });
});
