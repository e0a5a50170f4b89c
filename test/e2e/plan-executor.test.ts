import fc from 'fast-check';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { leafFields } from '../support/schema-fields';
import { DEEP_QUERY, seedJobsWithApplicants } from '../support/seed-graph';
import { useTestStack } from '../support/stack';

/**
 * The gateway runs query plans with its own executor (GATEWAY_EXECUTOR=hiregraph); its answers
 * must be @apollo/gateway's, byte for byte. The stack's gateway (ours) and a second gateway with
 * GATEWAY_EXECUTOR=apollo over the same subgraphs get every operation below, and their HTTP
 * statuses and whole bodies (data, errors with codes and paths, extensions) are compared.
 */
const t = useTestStack();
let apollo: RunningGateway;
let token: string;
let viewer: string;

beforeAll(async () => {
  const s = t.stack.subgraphs;
  apollo = await startGateway({
    config: { ...t.config, GATEWAY_EXECUTOR: 'apollo' },
    port: 0,
    metricsPort: 0,
    subgraphUrls: { tenant: s.tenant.url, candidate: s.candidate.url, job: s.job.url, assessment: s.assessment.url },
  });
  ({ token } = await seedJobsWithApplicants(t, 3, 4));
  viewer = await t.token('viewer', undefined);
});
afterAll(() => apollo?.close());

async function post(url: string, body: unknown, authorization = token): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${authorization}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/** Sends the operation to both gateways; expects the same status and body, and returns ours parsed. */
async function same(body: { query: string; variables?: unknown; operationName?: string }, authorization = token) {
  const [ours, theirs] = await Promise.all([
    post(t.stack.gateway.url, body, authorization),
    post(apollo.url, body, authorization),
  ]);
  expect({ status: ours.status, body: withoutStacks(ours.text) }).toEqual({
    status: theirs.status,
    body: withoutStacks(theirs.text),
  });
  // Key order too: the texts match once each executor's own stack frames are left out.
  expect(JSON.stringify(withoutStacks(ours.text))).toBe(JSON.stringify(withoutStacks(theirs.text)));
  return JSON.parse(ours.text) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
}

/** The body parsed, each error's stack trace (development mode names the executor's own frames) removed. */
function withoutStacks(text: string): unknown {
  const body = JSON.parse(text) as { errors?: Array<{ extensions?: Record<string, unknown> }> };
  for (const e of body.errors ?? []) delete e.extensions?.stacktrace;
  return body;
}

test('the deep query across three subgraphs: the same answer, not an empty one', async () => {
  const r = await same({ query: DEEP_QUERY, variables: { n: 3 } });
  const jobs = (r.data as { jobs: { edges: Array<{ node: { applications: { edges: unknown[] } } }> } }).jobs.edges;
  expect(jobs).toHaveLength(3);
  expect(jobs.map((j) => j.node.applications.edges.length)).toEqual([8, 8, 8]);
});

test('fragments, aliases, repeated fields, __typename and @skip/@include with and without defaults', async () => {
  const query = `query Mixed($withStage: Boolean!, $skipTitle: Boolean = false) {
    kind: __typename
    jobs(first: 2) {
      __typename
      edges { cursor node { ...JobParts t: title @skip(if: $skipTitle) other: __typename
        applications(first: 2) { edges { node { stage @include(if: $withStage)
          candidate { name } candidate { email ... on Candidate { id } } } } } } }
      ... @include(if: $withStage) { pageInfo { hasNextPage } }
    }
  }
  fragment JobParts on Job { id title ... on Job { status } }`;
  for (const variables of [
    { withStage: true },
    { withStage: false },
    { withStage: true, skipTitle: true },
    { withStage: false, skipTitle: false },
  ]) {
    const r = await same({ query, variables, operationName: 'Mixed' });
    expect(r.errors).toBeUndefined();
  }
});

test('errors: a missing entity, a forbidden field, bad variables, introspection, an unknown operation name', async () => {
  const missing = await same({ query: '{ job(id: "000000000000000000000000") { id title } }' });
  expect(missing.data).toEqual({ job: null });
  const forbidden = await same({ query: '{ tenants { edges { node { id } } } viewer { roles } }' });
  expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const badVariable = await same({
    query: 'query($n: Int!) { jobs(first: $n) { edges { cursor } } }',
    variables: { n: 'x' },
  });
  expect(badVariable.errors?.length).toBeGreaterThan(0);
  await same({ query: '{ __typename __type(name: "Job") { name fields { name } } __schema { queryType { name } } }' });
  await same({ query: 'query A { viewer { userId } } query B { viewer { roles } }', operationName: 'C' });
  await same({ query: 'query A { viewer { userId } } query B { viewer { roles } }', operationName: 'B' });
});

test('a viewer without a tenant, and a caller without a token: the same errors', async () => {
  await same({ query: '{ viewer { userId roles tenant { id } } jobs { edges { cursor } } }' }, viewer);
  const none = await Promise.all([
    fetch(t.stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ jobs { edges { cursor } } }"}',
    }),
    fetch(apollo.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ jobs { edges { cursor } } }"}',
    }),
  ]);
  expect(withoutStacks(await none[0].text())).toEqual(withoutStacks(await none[1].text()));
});

test('random selections over jobs, applications and candidates: the same answers (fast-check)', async () => {
  const jobLeaves = leafFields('job', 'Job');
  const applicationLeaves = leafFields('job', 'Application');
  const candidateLeaves = leafFields('candidate', 'Candidate');
  const pick = (fields: string[]) => fc.subarray(fields, { minLength: 1 });
  const selection = fc.record({
    job: pick(jobLeaves),
    application: pick(applicationLeaves),
    candidate: pick(candidateLeaves),
    alias: fc.boolean(),
    spread: fc.boolean(),
    first: fc.integer({ min: 0, max: 4 }),
  });
  await fc.assert(
    fc.asyncProperty(selection, async (s) => {
      const candidate = s.spread ? '...C' : s.candidate.join(' ');
      const query = `{ jobs(first: ${s.first}) { edges { node { ${s.job.join(' ')}
        ${s.alias ? 'a: applications(first: 1) { edges { node { stage } } }' : ''}
        applications(first: 3) { edges { node { ${s.application.join(' ')} candidate { ${candidate} } } } } } } } }
        ${s.spread ? `fragment C on Candidate { ${s.candidate.join(' ')} }` : ''}`;
      const r = await same({ query });
      // first: 0 is refused by the job subgraph (BAD_USER_INPUT), the same way through both.
      expect(r.errors?.[0]?.extensions?.code).toBe(s.first === 0 ? 'BAD_USER_INPUT' : undefined);
    }),
    { numRuns: 25 },
  );
});
