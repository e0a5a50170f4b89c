import { useTestStack, type GqlResult } from '../support/stack';

/**
 * Who may change a tenant's plan and limits: its admin renames it and only lowers its limits; a
 * platform admin changes plans and raises limits (setTenantPlan). Each attack is written as the
 * security review ran it.
 */
// TEAM's limits come from configuration, so a plan change is seen to use them.
const TEAM = { requestsPerMinute: 700, assessmentsPerHour: 70, maxCandidates: 7000, maxQueryCost: 7000 };
const t = useTestStack({ TENANT_LIMITS_CACHE_MS: '0', PLAN_LIMITS_TEAM: JSON.stringify(TEAM) });
let pa: string;
beforeAll(async () => {
  pa = await t.token('platform-admin');
});

const LIMITS = 'limits { requestsPerMinute assessmentsPerHour maxCandidates maxQueryCost }';
type Tenant = {
  id: string;
  name: string;
  plan: string;
  limits: { requestsPerMinute: number; assessmentsPerHour: number; maxCandidates: number; maxQueryCost: number | null };
};
const errorOf = (r: GqlResult) => r.errors?.[0] as { message: string; extensions: { code: string } } | undefined;

let n = 0;
/** A FREE tenant (the plan the demo admin's attack starts from) and an admin token for it. */
async function freeTenant(): Promise<{ id: string; admin: string }> {
  const slug = `roles-${Date.now().toString(36)}-${n++}`;
  const r = await t.gql<{ createTenant: { id: string } }>(
    'mutation($s: String!) { createTenant(input: { slug: $s, name: "Roles", plan: FREE }) { id } }',
    { s: slug },
    pa,
  );
  const id = r.data!.createTenant.id;
  return { id, admin: await t.token('admin', id) };
}
const read = async (admin: string) =>
  (await t.gql<{ tenant: Tenant }>(`{ tenant { id name plan ${LIMITS} } }`, {}, admin)).data!.tenant;
const update = (admin: string, input: Record<string, unknown>) =>
  t.gql<{ updateTenant: Tenant }>(
    `mutation($i: UpdateTenantInput!) { updateTenant(input: $i) { id name plan ${LIMITS} } }`,
    { i: input },
    admin,
  );
const setPlan = (token: string, vars: Record<string, unknown>) =>
  t.gql<{ setTenantPlan: Tenant }>(
    `mutation($id: ID!, $plan: Plan, $limits: TenantLimitsInput) { setTenantPlan(id: $id, plan: $plan, limits: $limits) { id name plan ${LIMITS} } }`,
    vars,
    token,
  );

describe('attacks on updateTenant as a tenant admin', () => {
  test("the review's attack: ENTERPRISE with a billion of everything is FORBIDDEN and changes nothing", async () => {
    const { admin } = await freeTenant();
    const before = await read(admin);
    const r = await update(admin, {
      plan: 'ENTERPRISE',
      limits: {
        requestsPerMinute: 1_000_000_000,
        assessmentsPerHour: 1_000_000_000,
        maxCandidates: 1_000_000_000,
        maxQueryCost: 1_000_000_000,
      },
    });
    expect(errorOf(r)?.extensions.code).toBe('FORBIDDEN');
    expect(errorOf(r)?.message).toMatch(/setTenantPlan/);
    expect(await read(admin)).toEqual(before);
  });

  test('raising one limit above the current value is FORBIDDEN, saying what was allowed and received; the rename beside it is not written', async () => {
    const { admin } = await freeTenant();
    const before = await read(admin);
    const r = await update(admin, {
      name: 'Renamed',
      limits: { requestsPerMinute: before.limits.requestsPerMinute + 1 },
    });
    expect(errorOf(r)?.extensions.code).toBe('FORBIDDEN');
    expect(errorOf(r)?.message).toContain(`at most ${before.limits.requestsPerMinute}`);
    expect(errorOf(r)?.message).toContain(`received ${before.limits.requestsPerMinute + 1}`);
    expect(await read(admin)).toEqual(before);
  });

  test('passing a plan, even the same one, is FORBIDDEN', async () => {
    const { admin } = await freeTenant();
    for (const plan of ['ENTERPRISE', 'FREE']) {
      const r = await update(admin, { plan });
      expect(errorOf(r)?.extensions.code).toBe('FORBIDDEN');
      expect(errorOf(r)?.message).toContain(`received plan ${plan}`);
    }
    expect((await read(admin)).plan).toBe('FREE');
  });

  test('maxQueryCost: above the gateway default, or null back after lowering it, is a raise and FORBIDDEN', async () => {
    const { admin } = await freeTenant();
    const max = t.config.LIMIT_MAX_COST;
    expect(errorOf(await update(admin, { limits: { maxQueryCost: max + 1 } }))?.extensions.code).toBe('FORBIDDEN');
    expect((await update(admin, { limits: { maxQueryCost: 50 } })).data?.updateTenant.limits.maxQueryCost).toBe(50);
    const back = await update(admin, { limits: { maxQueryCost: null } });
    expect(errorOf(back)?.extensions.code).toBe('FORBIDDEN');
    expect(errorOf(back)?.message).toContain('received null');
    expect((await read(admin)).limits.maxQueryCost).toBe(50);
  });

  test('raising back after lowering is a raise too, even when two lowerings race', async () => {
    const { admin } = await freeTenant();
    expect(errorOf(await update(admin, { limits: { maxCandidates: 100 } }))).toBeUndefined();
    expect(errorOf(await update(admin, { limits: { maxCandidates: 101 } }))?.extensions.code).toBe('FORBIDDEN');
    // Every one is lower than 100 when read; whichever lands after a lower one must not raise it again.
    const all = await Promise.all(
      [10, 20, 30, 40, 50, 60, 70, 80, 90].map((v) => update(admin, { limits: { maxCandidates: v } })),
    );
    expect((await read(admin)).limits.maxCandidates).toBe(10);
    expect(all.every((r) => !r.errors || errorOf(r)?.extensions.code === 'FORBIDDEN')).toBe(true);
  });

  test('setTenantPlan is FORBIDDEN to every tenant role, its own tenant included', async () => {
    const { id } = await freeTenant();
    for (const role of ['admin', 'recruiter', 'viewer'] as const) {
      const r = await setPlan(await t.token(role, id), { id, plan: 'ENTERPRISE' });
      expect(errorOf(r)?.extensions.code).toBe('FORBIDDEN');
    }
    expect((await read(await t.token('admin', id))).plan).toBe('FREE');
  });
});

describe('what each role may do', () => {
  test('an admin renames its tenant and lowers its limits', async () => {
    const { admin } = await freeTenant();
    const before = await read(admin);
    const r = await update(admin, {
      name: 'Lean Co',
      limits: { requestsPerMinute: 60, assessmentsPerHour: before.limits.assessmentsPerHour, maxQueryCost: 1000 },
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!.updateTenant).toEqual({
      ...before,
      name: 'Lean Co',
      limits: { ...before.limits, requestsPerMinute: 60, maxQueryCost: 1000 },
    });
  });

  test('a platform admin raises limits and changes the plan; a plan alone brings its configured limits', async () => {
    const { id, admin } = await freeTenant();
    const raised = await setPlan(pa, { id, limits: { requestsPerMinute: 50_000, maxQueryCost: 900_000 } });
    expect(raised.errors).toBeUndefined();
    expect(raised.data!.setTenantPlan).toMatchObject({
      plan: 'FREE',
      limits: { requestsPerMinute: 50_000, maxQueryCost: 900_000 },
    });
    const team = await setPlan(pa, { id, plan: 'TEAM' });
    expect(team.data!.setTenantPlan).toMatchObject({ id, plan: 'TEAM', limits: TEAM });
    const custom = await setPlan(pa, { id, plan: 'ENTERPRISE', limits: { maxCandidates: 5, maxQueryCost: null } });
    expect(custom.data!.setTenantPlan).toMatchObject({
      plan: 'ENTERPRISE',
      limits: { requestsPerMinute: 12_000, assessmentsPerHour: 2000, maxCandidates: 5, maxQueryCost: null },
    });
    expect(await read(admin)).toEqual(custom.data!.setTenantPlan);
  });

  test('setTenantPlan: unknown id NOT_FOUND, malformed id or limits BAD_USER_INPUT, nothing to set BAD_USER_INPUT', async () => {
    const { id } = await freeTenant();
    expect(errorOf(await setPlan(pa, { id: 'ffffffffffffffffffffffff', plan: 'TEAM' }))?.extensions.code).toBe(
      'NOT_FOUND',
    );
    const bad = await setPlan(pa, { id: 'nope', plan: 'TEAM' });
    expect(errorOf(bad)?.extensions.code).toBe('BAD_USER_INPUT');
    expect(errorOf(bad)?.message).toContain('"nope"');
    expect(errorOf(await setPlan(pa, { id, limits: { requestsPerMinute: 0 } }))?.extensions.code).toBe(
      'BAD_USER_INPUT',
    );
    expect(errorOf(await setPlan(pa, { id }))?.extensions.code).toBe('BAD_USER_INPUT');
  });
});
