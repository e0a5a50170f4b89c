import { ObjectId } from 'mongodb';
import { useSeededSubgraphs } from '../support/projection-seed';
import type { Read } from '../support/subgraph-reads';

/**
 * Issue 23: a subgraph reads from MongoDB only the document fields the operation selects, and
 * always what its resolvers, keys and checks need. Asked directly as the gateway asks them
 * (queries and `_entities`), watched through the driver's command monitoring: the command's
 * projection and the documents that came back.
 */
const tenantId = new ObjectId();
const t = useSeededSubgraphs(tenantId);
const { u } = t;

const keysOf = (r: Read) => Object.keys(r.projection ?? {}).sort();
const docKeys = (r: Read) => [...new Set(r.docs.flatMap((d) => Object.keys(d)))].sort();
type Edges<N> = { edges: Array<{ node: N }> };
const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Candidate { %s } } }';
const entities = (sel: string) => ENTITIES.replace('%s', sel);
const candidateRef = (id: string) => ({ __typename: 'Candidate', id });

test("a page of candidates' names reads no résumé: neither asked for nor sent back", async () => {
  const { value, reads } = await t.log.candidate.during('candidates', () =>
    u.ask<{ candidates: Edges<{ name: string }> }>(
      'candidate',
      '{ candidates(first: 50) { edges { node { name } } } }',
    ),
  );
  expect(value.errors).toBeUndefined();
  const active = t.seed.candidates.filter((_, i) => i !== 3);
  expect(value.data!.candidates.edges.map((e) => e.node.name)).toEqual(active.map((c) => c.name).reverse());
  expect(reads).toHaveLength(1);
  expect(reads[0]!.projection).toEqual({ _id: 1, tenantId: 1, name: 1 });
  expect(docKeys(reads[0]!)).toEqual(['_id', 'name', 'tenantId']);
});

test('a candidate whose résumé is selected reads it', async () => {
  const { value, reads } = await t.log.candidate.during('candidates', () =>
    u.ask<{ candidate: { resumeText: string } }>('candidate', 'query($id: ID!) { candidate(id: $id) { resumeText } }', {
      id: t.seed.candidates[0]!.id,
    }),
  );
  expect(value.data!.candidate.resumeText).toMatch(/^Candidate 0, line 0/);
  expect(keysOf(reads[0]!)).toEqual(['_id', 'resumeText', 'tenantId']);
});

test('_entities on Candidate reads each by _id and only the selected fields, in the order asked', async () => {
  const [a, b] = [t.seed.candidates[4]!, t.seed.candidates[1]!];
  const missing = new ObjectId().toHexString();
  const { value, reads } = await t.log.candidate.during('candidates', () =>
    u.ask<{ _entities: Array<{ name: string } | null> }>('candidate', entities('name headline'), {
      r: [candidateRef(a.id), candidateRef(missing), candidateRef(b.id)],
    }),
  );
  expect(value.data!._entities).toEqual([
    { name: a.name, headline: null },
    null,
    { name: b.name, headline: 'Engineer 1' },
  ]);
  expect(reads).toHaveLength(1);
  expect(keysOf(reads[0]!)).toEqual(['_id', 'headline', 'name', 'tenantId']);
  expect(docKeys(reads[0]!)).not.toContain('resumeText');
});

test('a list of job titles reads no description', async () => {
  const { value, reads } = await t.log.job.during('jobs', () =>
    u.ask<{ jobs: Edges<{ title: string }> }>('job', '{ jobs(first: 50) { edges { node { title } } } }'),
  );
  expect(value.data!.jobs.edges.map((e) => e.node.title)).toEqual(['Job 2', 'Job 1', 'Job 0']);
  expect(keysOf(reads[0]!)).toEqual(['_id', 'status', 'tenantId', 'title']);
  expect(docKeys(reads[0]!)).not.toContain('description');
});

test("a candidate's applications' job titles read the applications' jobId and the jobs' titles alone", async () => {
  const c = t.seed.candidates[0]!;
  const run = () =>
    u.ask<{ _entities: Array<{ applications: Array<{ job: { title: string } }> }> }>(
      'job',
      entities('applications { job { title } }'),
      { r: [candidateRef(c.id)] },
    );
  const apps = await t.log.job.during('applications', run);
  expect(apps.value.data!._entities[0]!.applications.map((a) => a.job.title)).toEqual(['Job 1', 'Job 0']);
  expect(keysOf(apps.reads[0]!)).toContain('jobId');
  expect(apps.reads[0]!.docs.every((d) => d.jobId instanceof ObjectId)).toBe(true);
  expect(docKeys(apps.reads[0]!)).not.toContain('stage');
  const jobs = await t.log.job.during('jobs', run);
  expect(keysOf(jobs.reads[0]!)).toEqual(['_id', 'status', 'tenantId', 'title']);
});

describe('applyToJob checks the status of a job it reads through the loader', () => {
  const APPLY = 'mutation($j: ID!, $c: ID!) { applyToJob(jobId: $j, candidateId: $c) { id } }';

  test('a CLOSED job is refused though the mutation selects no status', async () => {
    const closed = t.seed.jobs[2]!;
    const { value, reads } = await t.log.job.during('jobs', () =>
      u.ask('job', APPLY, { j: closed.id, c: t.seed.candidates[0]!.id }),
    );
    expect(value.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(value.errors?.[0]?.message).toContain('CLOSED');
    expect(keysOf(reads[0]!)).toEqual(['_id', 'status', 'tenantId']);
  });

  test('an OPEN job is applied to', async () => {
    const r = await u.ask<{ applyToJob: { id: string } }>('job', APPLY, {
      j: t.seed.jobs[0]!.id,
      c: t.seed.candidates[4]!.id,
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!.applyToJob.id).toMatch(/^[0-9a-f]{24}$/);
  });
});

describe('assessments', () => {
  test('a list of statuses and scores reads no steps, summary, event log or input', async () => {
    const { value, reads } = await t.log.assessment.during('assessments', () =>
      u.ask<{ assessments: Edges<{ status: string; score: number | null }> }>(
        'assessment',
        '{ assessments(first: 50) { edges { node { status score } } } }',
      ),
    );
    expect(value.data!.assessments.edges.map((e) => e.node)).toEqual([
      { status: 'COMPLETED', score: 72.5 },
      { status: 'RUNNING', score: null },
      { status: 'QUEUED', score: null },
    ]);
    expect(keysOf(reads[0]!)).toEqual(['_id', 'score', 'status', 'tenantId']);
    expect(docKeys(reads[0]!)).toEqual(['_id', 'score', 'status', 'tenantId']);
  });

  test('progress reads the steps it is counted from, and nothing it does not need', async () => {
    const { value, reads } = await t.log.assessment.during('assessments', () =>
      u.ask<{ assessment: { progress: number } }>(
        'assessment',
        'query($id: ID!) { assessment(id: $id) { progress } }',
        {
          id: t.seed.assessments[1],
        },
      ),
    );
    expect(value.data!.assessment.progress).toBeCloseTo(1 / 4);
    expect(keysOf(reads[0]!)).toEqual(['_id', 'steps', 'tenantId']);
  });

  test("a candidate's assessments read the candidateId they are grouped by and the jobId a job needs", async () => {
    const c = t.seed.candidates[1]!;
    const { value, reads } = await t.log.assessment.during('assessments', () =>
      u.ask<{ _entities: Array<{ assessments: Array<{ job: { id: string } }> }> }>(
        'assessment',
        entities('assessments { job { id } }'),
        { r: [candidateRef(c.id)] },
      ),
    );
    expect(value.data!._entities[0]!.assessments).toEqual([{ job: { id: t.seed.jobs[1]!.id } }]);
    expect(keysOf(reads[0]!)).toEqual(['_id', 'candidateId', 'jobId', 'tenantId']);
  });
});
