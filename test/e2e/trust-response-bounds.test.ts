import { useTestStack } from '../support/stack';

/**
 * Issue 21, answers larger than demand control saw: large text weighs by its size in the
 * estimate, `first: null` counts its default, and an answer over MAX_RESPONSE_BYTES is refused
 * whole (BAD_USER_INPUT, no data) rather than sent.
 */
const MAX = 64 * 1024;
const t = useTestStack({ TENANT_LIMITS_CACHE_MS: '600000', MAX_RESPONSE_BYTES: String(MAX) });
let admin: string;

beforeAll(async () => {
  admin = (await t.newTenant()).admin;
  for (let i = 0; i < 4; i++) {
    const r = await t.gql(
      'mutation($i: CreateCandidateInput!) { createCandidate(input: $i) { id } }',
      { i: { name: `C${i}`, email: `c${i}@example.com`, resumeText: `${'résumé '.repeat(4000)}${i}` } },
      admin,
    );
    expect(r.errors).toBeUndefined();
  }
});

test('15 aliases of 100 resumes are refused by demand control before anything is read', async () => {
  const aliases = Array.from(
    { length: 15 },
    (_, i) => `a${i}: candidates(first: 100) { edges { node { resumeText } } }`,
  );
  const r = await t.gql(`{ ${aliases.join(' ')} }`, {}, admin);
  expect(r.status).toBe(400);
  expect(r.data).toBeNull();
  expect(r.errors?.[0]?.extensions).toMatchObject({
    code: 'COST_ESTIMATED_TOO_EXPENSIVE',
    estimatedCost: 15 * (1 + 100 * 1002),
    maxCost: 300_000,
  });
});

test('an answer over MAX_RESPONSE_BYTES is refused whole with BAD_USER_INPUT; a smaller one passes', async () => {
  // Four resumes of ~32 KB (UTF-8: é is two bytes) make ~128 KB, over the 64 KB cap.
  const big = await t.gql('{ candidates { edges { node { name resumeText } } } }', {}, admin);
  expect(big.status).toBe(400);
  expect(big.data).toBeNull();
  expect(big.errors).toHaveLength(1);
  const e = big.errors![0]!;
  expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', maxResponseBytes: MAX });
  expect(e.extensions!.responseBytes as number).toBeGreaterThan(MAX);
  expect(e.message).toContain(`expected an answer of at most ${MAX} bytes`);
  const one = await t.gql<{ candidates: { edges: Array<{ node: { resumeText: string } }> } }>(
    '{ candidates(first: 1) { edges { node { name resumeText } } } }',
    {},
    admin,
  );
  expect([one.status, one.errors]).toEqual([200, undefined]);
  expect(one.data!.candidates.edges[0]!.node.resumeText).toMatch(/^résumé /);
});

test('a mutation is answered whatever its size: its effect has happened', async () => {
  const r = await t.gql<{ createCandidate: { resumeText: string } }>(
    'mutation($i: CreateCandidateInput!) { createCandidate(input: $i) { resumeText } }',
    { i: { name: 'Big', email: 'big@example.com', resumeText: 'x'.repeat(90_000) } },
    admin,
  );
  expect(r.errors).toBeUndefined();
  expect(r.data!.createCandidate.resumeText).toHaveLength(90_000);
});
