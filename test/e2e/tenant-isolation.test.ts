import { ObjectId } from 'mongodb';
import { newAssessment } from '../../subgraphs/assessment/store/model';
import { AssessmentRepository } from '../../subgraphs/assessment/store/repository';
import { useTestStack } from '../support/stack';

/**
 * Two tenants. Every operation and every `_entities` path is tried with tenant B's token on
 * tenant A's ids: the answer must be exactly what a missing id gives.
 */
const t = useTestStack();
const A: Record<string, string> = {};
let tokenA: string;
let tokenB: string;

const codeOf = (r: { errors?: Array<{ extensions?: { code?: string } }> }) => r.errors?.[0]?.extensions?.code;
const missing = () => new ObjectId().toHexString();

beforeAll(async () => {
  const a = await t.newTenant('tenant-a');
  const b = await t.newTenant('tenant-b');
  tokenA = a.admin;
  tokenB = b.admin;
  A.tenant = a.id;
  const c = await t.gql<{ createCandidate: { id: string } }>(
    'mutation { createCandidate(input: { name: "Alice A", email: "alice@a.com" }) { id } }',
    {},
    tokenA,
  );
  A.candidate = c.data!.createCandidate.id;
  const j = await t.gql<{ createJob: { id: string } }>(
    'mutation { createJob(input: { title: "A job", description: "secret" }) { id } }',
    {},
    tokenA,
  );
  A.job = j.data!.createJob.id;
  const app = await t.gql<{ applyToJob: { id: string } }>(
    `mutation { applyToJob(jobId: "${A.job}", candidateId: "${A.candidate}") { id } }`,
    {},
    tokenA,
  );
  A.application = app.data!.applyToJob.id;
  const repo = new AssessmentRepository(t.stack.subgraphs.assessment.db, new ObjectId(a.id));
  const { doc } = await repo.create(
    newAssessment({
      candidateId: new ObjectId(A.candidate),
      jobId: new ObjectId(A.job),
      agents: ['skills'],
      idempotencyKey: null,
    }),
  );
  A.assessment = doc._id.toHexString();
});

/** Runs `query` for A's id and for a missing id with B's token; both answers must be equal. */
async function sameAsMissing(query: string, key: string, url?: string) {
  const foreign = await t.gql(query, { id: A[key] }, tokenB, url);
  const absent = await t.gql(query, { id: missing() }, tokenB, url);
  const strip = (r: typeof foreign) => ({ data: r.data, codes: r.errors?.map((e) => e.extensions?.code) });
  expect(strip(foreign)).toEqual(strip(absent));
  return foreign;
}

test('queries by id answer null', async () => {
  expect((await sameAsMissing('query($id: ID!) { candidate(id: $id) { id name } }', 'candidate')).data).toEqual({
    candidate: null,
  });
  expect((await sameAsMissing('query($id: ID!) { job(id: $id) { id title } }', 'job')).data).toEqual({ job: null });
  expect((await sameAsMissing('query($id: ID!) { assessment(id: $id) { id } }', 'assessment')).data).toEqual({
    assessment: null,
  });
});

test('lists and filters show nothing of the other tenant', async () => {
  const r = await t.gql<Record<string, { edges: unknown[] }>>(
    '{ candidates(filter: { includeArchived: true }) { edges { cursor } } jobs { edges { cursor } } assessments { edges { cursor } } }',
    {},
    tokenB,
  );
  expect(r.data).toEqual({ candidates: { edges: [] }, jobs: { edges: [] }, assessments: { edges: [] } });
  expect(
    (
      await sameAsMissing(
        'query($id: ID) { assessments(filter: { candidateId: $id }) { edges { cursor } } }',
        'candidate',
      )
    ).data,
  ).toEqual({ assessments: { edges: [] } });
  const tenant = await t.gql<{ tenant: { id: string } }>('{ tenant { id } }', {}, tokenB);
  expect(tenant.data?.tenant.id).not.toBe(A.tenant);
});

test("mutations on another tenant's ids answer NOT_FOUND and change nothing", async () => {
  for (const [q, key] of [
    ['mutation($id: ID!) { updateCandidate(id: $id, input: { name: "Mallory" }) { id } }', 'candidate'],
    ['mutation($id: ID!) { archiveCandidate(id: $id) { id } }', 'candidate'],
    ['mutation($id: ID!) { updateJob(id: $id, input: { title: "Mallory" }) { id } }', 'job'],
    ['mutation($id: ID!) { closeJob(id: $id) { id } }', 'job'],
    ['mutation($id: ID!) { moveApplication(id: $id, stage: HIRED) { id } }', 'application'],
  ] as const) {
    expect(codeOf(await sameAsMissing(q, key))).toBe('NOT_FOUND');
  }
  const bApply = await t.gql<{ createJob: { id: string } }>(
    'mutation { createJob(input: { title: "B job", description: "d" }) { id } }',
    {},
    tokenB,
  );
  const apply = await t.gql(
    `mutation { applyToJob(jobId: "${bApply.data!.createJob.id}", candidateId: "${A.candidate}") { id } }`,
    {},
    tokenB,
  );
  expect(codeOf(apply)).toBe('NOT_FOUND');
  expect(
    codeOf(await t.gql(`mutation { applyToJob(jobId: "${A.job}", candidateId: "${A.candidate}") { id } }`, {}, tokenB)),
  ).toBe('NOT_FOUND');
  const after = await t.gql<{
    candidate: { name: string; archivedAt: null };
    job: { title: string; status: string; applications: { edges: Array<{ node: { stage: string } }> } };
  }>(
    `{ candidate(id: "${A.candidate}") { name archivedAt } job(id: "${A.job}") { title status applications { edges { node { stage } } } } }`,
    {},
    tokenA,
  );
  expect(after.data).toEqual({
    candidate: { name: 'Alice A', archivedAt: null },
    job: { title: 'A job', status: 'OPEN', applications: { edges: [{ node: { stage: 'APPLIED' } }] } },
  });
});

describe('_entities sent straight to each subgraph', () => {
  const entities = (typename: string, selection: string) =>
    `query($id: ID!) { _entities(representations: [{ __typename: "${typename}", id: $id }]) { ... on ${typename} { ${selection} } } }`;
  const rep = (typename: string, selection: string) =>
    `query($id: _Any!) { _entities(representations: [$id]) { ... on ${typename} { ${selection} } } }`;

  test.each([
    ['candidate', 'Candidate', 'id name email', 'candidate'],
    ['job', 'Job', 'id title', 'job'],
    ['job', 'Application', 'id stage', 'application'],
    ['assessment', 'Assessment', 'id status', 'assessment'],
  ] as const)('%s subgraph: %s of another tenant is null', async (subgraph, typename, selection, key) => {
    const url = t.stack.subgraphs[subgraph].url;
    const r = await sameAsMissing(entities(typename, selection), key, url);
    expect(r.data).toEqual({ _entities: [null] });
  });

  test('tenant subgraph: another tenant is null', async () => {
    const url = t.stack.subgraphs.tenant.url;
    const r = await t.gql(rep('Tenant', 'id slug'), { id: { __typename: 'Tenant', id: A.tenant } }, tokenB, url);
    expect(r.data).toEqual({ _entities: [null] });
  });

  test.each([
    ['job', 'Candidate', 'applications { id }', 'candidate', { applications: [] }],
    ['assessment', 'Candidate', 'assessments { id }', 'candidate', { assessments: [] }],
    ['assessment', 'Job', 'assessments { id }', 'job', { assessments: [] }],
  ] as const)(
    '%s subgraph: fields it adds to %s are empty for another tenant, as for a missing id',
    async (subgraph, typename, selection, key, empty) => {
      const url = t.stack.subgraphs[subgraph].url;
      const r = await sameAsMissing(entities(typename, selection), key, url);
      expect(r.data).toEqual({ _entities: [empty] });
      const own = await t.gql<{ _entities: Array<Record<string, unknown[]>> }>(
        entities(typename, selection),
        { id: A[key] },
        tokenA,
        url,
      );
      expect(Object.values(own.data!._entities[0]!)[0]!.length).toBeGreaterThan(0);
    },
  );
});
