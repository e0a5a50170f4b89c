import { ObjectId, type Db } from 'mongodb';
import { useTestStack } from '../support/stack';

/**
 * Issue 21, unbounded reads: a page of N per parent reads about N documents per parent from
 * MongoDB however long the parent's list is, still in one command per level. Documents examined
 * are MongoDB's own count (serverStatus metrics.queryExecutor.scannedObjects), which the embedded
 * server keeps too. The long lists are inserted straight into the database (5,000 applications
 * through the API would take minutes); every read goes through the graph.
 */
const t = useTestStack({ TENANT_LIMITS_CACHE_MS: '600000' });
let db: Db;
let admin: string;
let tenantId: ObjectId;
let bigJob: string;
let smallJob: string;
let busyCandidate: string;
const BIG = 5000;

beforeAll(async () => {
  db = t.mongo.client.db(t.config.MONGODB_DB);
  const tenant = await t.newTenant();
  admin = tenant.admin;
  tenantId = new ObjectId(tenant.id);
  const job = async (title: string) =>
    (
      await t.gql<{ createJob: { id: string } }>(
        'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }',
        { i: { title, description: 'd' } },
        admin,
      )
    ).data!.createJob.id;
  [bigJob, smallJob] = [await job('big'), await job('small')];
  busyCandidate = new ObjectId().toHexString();
  const app = (jobId: string, candidateId: ObjectId) => ({
    _id: new ObjectId(),
    tenantId,
    jobId: new ObjectId(jobId),
    candidateId,
    stage: 'APPLIED',
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  await db
    .collection('applications')
    .insertMany([
      ...Array.from({ length: BIG }, () => app(bigJob, new ObjectId())),
      app(smallJob, new ObjectId()),
      ...Array.from({ length: 3000 }, () => app(new ObjectId().toHexString(), new ObjectId(busyCandidate))),
    ]);
  const assessment = (field: 'jobId' | 'candidateId', id: string) => ({
    _id: new ObjectId(),
    tenantId,
    candidateId: field === 'candidateId' ? new ObjectId(id) : new ObjectId(),
    jobId: field === 'jobId' ? new ObjectId(id) : new ObjectId(),
    status: 'COMPLETED',
    steps: [],
    score: 50,
    recommendation: 'MAYBE',
    summary: 's',
    error: null,
    createdAt: new Date(),
    startedAt: null,
    completedAt: null,
    updatedAt: new Date(),
  });
  await db
    .collection('assessments')
    .insertMany([
      ...Array.from({ length: 3000 }, () => assessment('jobId', bigJob)),
      ...Array.from({ length: 3000 }, () => assessment('candidateId', busyCandidate)),
    ]);
}, 120_000);
async function examined(fn: () => Promise<unknown>): Promise<number> {
  const scanned = async () =>
    Number((await db.admin().command({ serverStatus: 1 })).metrics.queryExecutor.scannedObjects);
  const before = await scanned();
  await fn();
  return (await scanned()) - before;
}

type Page = {
  edges: Array<{ cursor: string; node: { id: string } }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
};
const PAGE = `query($id: ID!, $n: Int, $after: String) {
  job(id: $id) { applications(first: $n, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }
}`;

test('a page of 1 application of a job with 5,000 examines about as many documents as one of a job with 1', async () => {
  const read = async (id: string) => {
    let page: Page | undefined;
    const n = await examined(async () => {
      const r = await t.gql<{ job: { applications: Page } }>(PAGE, { id, n: 1 }, admin);
      expect(r.errors).toBeUndefined();
      page = r.data!.job.applications;
    });
    return { n, page: page! };
  };
  const small = await read(smallJob);
  const big = await read(bigJob);
  expect(small.page.edges).toHaveLength(1);
  expect(small.page.pageInfo.hasNextPage).toBe(false);
  expect(big.page.edges).toHaveLength(1);
  expect(big.page.pageInfo.hasNextPage).toBe(true);
  // The job itself, then first + 1 = 2 applications: the same for both, nowhere near 5,000.
  expect(big.n).toBe(small.n + 1);
  expect(big.n).toBeLessThan(10);
});

test('pages stay correct: newest first, cursors continue without gaps, totalCount counts all', async () => {
  const all = await db
    .collection('applications')
    .find({ tenantId, jobId: new ObjectId(bigJob) })
    .sort({ _id: -1 })
    .limit(7)
    .toArray();
  const first = await t.gql<{ job: { applications: Page & { totalCount: number } } }>(
    `query($id: ID!) { job(id: $id) { applications(first: 3) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } } }`,
    { id: bigJob },
    admin,
  );
  const p1 = first.data!.job.applications;
  expect(p1.totalCount).toBe(BIG);
  expect(p1.edges.map((e) => e.node.id)).toEqual(all.slice(0, 3).map((d) => d._id.toHexString()));
  let p2: Page | undefined;
  const n = await examined(async () => {
    p2 = (await t.gql<{ job: { applications: Page } }>(PAGE, { id: bigJob, n: 4, after: p1.pageInfo.endCursor }, admin))
      .data!.job.applications;
  });
  expect(p2!.edges.map((e) => e.node.id)).toEqual(all.slice(3, 7).map((d) => d._id.toHexString()));
  expect(p2!.pageInfo.hasNextPage).toBe(true);
  expect(n).toBeLessThan(10);
});

/** `_entities` straight to a subgraph: the parents need not exist in another subgraph's collection here. */
async function listOf(service: 'job' | 'assessment', type: string, id: string, selection: string, n: unknown) {
  return t.gql<{ _entities: Array<Record<string, Array<{ id: string }>>> }>(
    `query($r: [_Any!]!, $n: Int) { _entities(representations: $r) { ... on ${type} { ${selection} } } }`,
    { r: [{ __typename: type, id }], n },
    admin,
    t.stack.subgraphs[service].url,
  );
}

test.each([
  ['job', 'Candidate', 'applications', () => busyCandidate, 10],
  ['assessment', 'Candidate', 'assessments', () => busyCandidate, 10],
  ['assessment', 'Job', 'assessments', () => bigJob, 50],
] as const)(
  '%s subgraph: %s.%s takes first (1..100, the schema default when null) and reads only that page',
  async (service, type, field, id, dflt) => {
    const list = (n: unknown) => listOf(service, type, id(), `${field}(first: $n) { id }`, n);
    let rows: Array<{ id: string }> = [];
    const n = await examined(async () => {
      const res = await list(2);
      expect(res.errors).toBeUndefined();
      rows = res.data!._entities[0]![field]!;
    });
    expect(rows).toHaveLength(2);
    expect(n).toBeLessThanOrEqual(3);
    expect((await list(null)).data!._entities[0]![field]).toHaveLength(dflt);
    const newest = await db
      .collection(field)
      .find({ tenantId, [type === 'Job' ? 'jobId' : 'candidateId']: new ObjectId(id()) })
      .sort({ _id: -1 })
      .limit(2)
      .toArray();
    expect(rows.map((r) => r.id)).toEqual(newest.map((d) => d._id.toHexString()));
    for (const bad of [0, 101]) {
      const res = await list(bad);
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toContain(`expected first to be between 1 and 100, received ${bad}`);
    }
  },
);
