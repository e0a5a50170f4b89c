import type { ChildProcess } from 'node:child_process';
import { stackEnv } from '../support/stack';
import { spawnGateway } from '../support/service-process';
import { useRunHarness } from '../support/runs';

/** Per-tenant budgets in Redis: two gateways share one; assessmentsPerHour guards startAssessment. */
const children: ChildProcess[] = [];
// Above the harness, so spawned gateways are gone before it closes.
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
// One user spends the tenant's budget here: the per-user share (test/e2e/trust-quotas.test.ts) is off.
const h = useRunHarness({ TENANT_LIMITS_CACHE_MS: '0', RATE_LIMIT_USER_SHARE: '1' }, {}, { workers: 0 });

const codeOf = (r: { errors?: Array<{ extensions?: { code?: string } }> }) => r.errors?.[0]?.extensions?.code;

test('requestsPerMinute is one budget across two gateway instances', async () => {
  const other = await spawnGateway({ ...h.env, TENANT_LIMITS_CACHE_MS: '0', ...stackEnv(h.t) });
  children.push(other.child);
  const { admin } = await h.t.newTenant();
  const set = await h.t.gql('mutation { updateTenant(input: { limits: { requestsPerMinute: 6 } }) { id } }', {}, admin);
  expect(set.errors).toBeUndefined();
  const q = '{ tenant { id } }';
  const answers = [];
  for (let i = 0; i < 4; i++) {
    answers.push(await h.t.gql(q, {}, admin));
    answers.push(await h.t.gql(q, {}, admin, other.url));
  }
  const ok = answers.filter((r) => !r.errors).length;
  const limited = answers.filter((r) => codeOf(r) === 'RATE_LIMITED');
  // The budget counts every operation of the minute, the updateTenant that set it included.
  expect(ok + 1).toBe(6);
  expect(limited).toHaveLength(3);
  expect(limited[0]!.status).toBe(429);
  expect(limited[0]!.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);
  // Another tenant has a budget of its own.
  const other2 = await h.t.newTenant();
  expect((await h.t.gql(q, {}, other2.admin)).errors).toBeUndefined();
});

test('assessmentsPerHour refuses startAssessment past the limit', async () => {
  const set = await h.t.gql(
    'mutation { updateTenant(input: { limits: { assessmentsPerHour: 2 } }) { id } }',
    {},
    h.token,
  );
  expect(set.errors).toBeUndefined();
  expect((await h.start({ agents: ['skills'] })).errors).toBeUndefined();
  expect((await h.start({ agents: ['skills'] })).errors).toBeUndefined();
  const third = await h.start({ agents: ['skills'] });
  expect(codeOf(third)).toBe('RATE_LIMITED');
  expect((third.errors![0]!.extensions as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
});

test('maxCandidates: createCandidate past the quota is RATE_LIMITED; archiving frees room', async () => {
  const { admin } = await h.t.newTenant();
  await h.t.gql('mutation { updateTenant(input: { limits: { maxCandidates: 2 } }) { id } }', {}, admin);
  const create = (n: number) =>
    h.t.gql<{ createCandidate: { id: string } }>(
      `mutation { createCandidate(input: { name: "Q${n}", email: "q${n}@example.com" }) { id } }`,
      {},
      admin,
    );
  const first = await create(1);
  expect((await create(2)).errors).toBeUndefined();
  const third = await create(3);
  expect(codeOf(third)).toBe('RATE_LIMITED');
  expect(third.errors![0]!.extensions!.retryAfterSeconds).toBeNull();
  await h.t.gql(
    'mutation($id: ID!) { archiveCandidate(id: $id) { id } }',
    { id: first.data!.createCandidate.id },
    admin,
  );
  expect((await create(3)).errors).toBeUndefined();
});
