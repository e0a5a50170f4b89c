import { ObjectId } from 'mongodb';
import { newAssessment } from '../../subgraphs/assessment/store/model';
import { AssessmentRepository } from '../../subgraphs/assessment/store/repository';
import { startTestStack, type TestStack } from '../support/stack';

/** Every query and mutation of the graph in scope, through the gateway, on real servers. */
let t: TestStack;
let tenantId: string;
let admin: string;

beforeAll(async () => {
  t = await startTestStack();
  ({ id: tenantId, admin } = await t.newTenant('acme-graph'));
});
afterAll(async () => {
  await t?.close();
});

const codeOf = (r: { errors?: Array<{ extensions?: { code?: string } }> }) => r.errors?.[0]?.extensions?.code;

async function createCandidate(input: Record<string, unknown>, token = admin): Promise<string> {
  const r = await t.gql<{ createCandidate: { id: string } }>(
    'mutation($i: CreateCandidateInput!) { createCandidate(input: $i) { id } }',
    { i: input },
    token,
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.createCandidate.id;
}

async function createJob(input: Record<string, unknown>, token = admin): Promise<string> {
  const r = await t.gql<{ createJob: { id: string } }>(
    'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }',
    { i: input },
    token,
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.createJob.id;
}

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

describe('candidates', () => {
  test('create, read, update, archive', async () => {
    const id = await createCandidate({
      name: 'Ada Lovelace',
      email: 'Ada@Example.com',
      skills: ['Math', 'math', ' Engines '],
      yearsExperience: 7,
      headline: 'Analyst',
    });
    const r = await t.gql<{ candidate: Record<string, unknown> }>(
      'query($id: ID!) { candidate(id: $id) { id name email skills yearsExperience headline phone archivedAt createdAt updatedAt } }',
      { id },
      admin,
    );
    expect(r.data?.candidate).toMatchObject({
      id,
      name: 'Ada Lovelace',
      email: 'Ada@Example.com',
      skills: ['Math', 'Engines'],
      yearsExperience: 7,
      phone: null,
      archivedAt: null,
    });
    const u = await t.gql<{ updateCandidate: Record<string, unknown> }>(
      'mutation($id: ID!) { updateCandidate(id: $id, input: { phone: "+44 1", yearsExperience: 8 }) { name phone yearsExperience } }',
      { id },
      admin,
    );
    expect(u.data?.updateCandidate).toEqual({ name: 'Ada Lovelace', phone: '+44 1', yearsExperience: 8 });
    const a = await t.gql<{ archiveCandidate: { archivedAt: string } }>(
      'mutation($id: ID!) { archiveCandidate(id: $id) { archivedAt } }',
      { id },
      admin,
    );
    expect(a.data?.archiveCandidate.archivedAt).toEqual(expect.any(String));
    const again = await t.gql<{ archiveCandidate: { archivedAt: string } }>(
      'mutation($id: ID!) { archiveCandidate(id: $id) { archivedAt } }',
      { id },
      admin,
    );
    expect(again.data?.archiveCandidate.archivedAt).toBe(a.data?.archiveCandidate.archivedAt);
    const still = await t.gql<{ candidate: { id: string } | null }>(
      'query($id: ID!) { candidate(id: $id) { id } }',
      { id },
      admin,
    );
    expect(still.data?.candidate?.id).toBe(id);
  });

  test('email is unique per tenant, case-insensitively, and a refused write changes nothing', async () => {
    const first = await createCandidate({ name: 'Bob', email: 'bob@example.com' });
    const dup = await t.gql(
      'mutation { createCandidate(input: { name: "Bobby", email: "BOB@example.com" }) { id } }',
      {},
      admin,
    );
    expect(codeOf(dup)).toBe('CONFLICT');
    const other = await createCandidate({ name: 'Carol', email: 'carol@example.com' });
    const clash = await t.gql(
      'mutation($id: ID!) { updateCandidate(id: $id, input: { email: "Bob@Example.com", name: "Changed" }) { id } }',
      { id: other },
      admin,
    );
    expect(codeOf(clash)).toBe('CONFLICT');
    const carol = await t.gql<{ candidate: { name: string; email: string } }>(
      'query($id: ID!) { candidate(id: $id) { name email } }',
      { id: other },
      admin,
    );
    expect(carol.data?.candidate).toEqual({ name: 'Carol', email: 'carol@example.com' });
    const search = await t.gql<{ candidates: { edges: unknown[] } }>(
      '{ candidates(filter: { search: "bobby" }) { edges { node { id } } } }',
      {},
      admin,
    );
    expect(search.data?.candidates.edges).toHaveLength(0);
    expect(first).toMatch(/^[0-9a-f]{24}$/);
  });

  test('filters: search, skills, experience, archived', async () => {
    const { admin: own } = await t.newTenant('filters-co');
    const a = await createCandidate(
      { name: 'Grace Hopper', email: 'grace@navy.mil', skills: ['COBOL', 'Compilers'], yearsExperience: 30 },
      own,
    );
    const b = await createCandidate(
      {
        name: 'Linus',
        email: 'linus@kernel.org',
        skills: ['C', 'compilers'],
        yearsExperience: 5,
        headline: 'Kernel (hacker)',
      },
      own,
    );
    const c = await createCandidate(
      { name: 'Old Timer', email: 'old@example.com', skills: ['cobol'], yearsExperience: 40 },
      own,
    );
    await t.gql('mutation($id: ID!) { archiveCandidate(id: $id) { id } }', { id: c }, own);
    const ids = async (filter: Record<string, unknown>) =>
      (
        await t.gql<{ candidates: { edges: Array<{ node: { id: string } }> } }>(
          'query($f: CandidateFilter) { candidates(filter: $f) { edges { node { id } } } }',
          { f: filter },
          own,
        )
      ).data!.candidates.edges.map((e) => e.node.id);
    expect(await ids({})).toEqual([b, a]);
    expect(await ids({ includeArchived: true })).toEqual([c, b, a]);
    expect(await ids({ skills: ['compilers'] })).toEqual([b, a]);
    expect(await ids({ skills: ['COMPILERS', 'cobol'] })).toEqual([a]);
    expect(await ids({ minYearsExperience: 10 })).toEqual([a]);
    expect(await ids({ search: 'GRACE' })).toEqual([a]);
    expect(await ids({ search: '(hacker)' })).toEqual([b]);
  });

  test('pagination: cursors, first bounds, bad cursors', async () => {
    const { admin: own } = await t.newTenant('pages-co');
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push(await createCandidate({ name: `P${i}`, email: `p${i}@example.com` }, own));
    const q =
      'query($f: Int, $a: String) { candidates(first: $f, after: $a) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }';
    type Page = {
      candidates: {
        edges: Array<{ node: { id: string } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    };
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const r: { data: Page | null } = await t.gql<Page>(q, { f: 2, a: after }, own);
      seen.push(...r.data!.candidates.edges.map((e) => e.node.id));
      if (!r.data!.candidates.pageInfo.hasNextPage) break;
      after = r.data!.candidates.pageInfo.endCursor;
    }
    expect(seen).toEqual([...made].reverse());
    for (const f of [0, 101, -1]) expect(codeOf(await t.gql(q, { f }, own))).toBe('BAD_USER_INPUT');
    for (const a of ['garbage', Buffer.from('hg1:zz').toString('base64url'), ''])
      expect(codeOf(await t.gql(q, { a }, own))).toBe('BAD_USER_INPUT');
  });

  test('bad input: malformed ids, empty names, bad emails', async () => {
    expect(codeOf(await t.gql('{ candidate(id: "nope") { id } }', {}, admin))).toBe('BAD_USER_INPUT');
    expect(
      codeOf(await t.gql('mutation { createCandidate(input: { name: "", email: "x@y.io" }) { id } }', {}, admin)),
    ).toBe('BAD_USER_INPUT');
    expect(
      codeOf(
        await t.gql('mutation { createCandidate(input: { name: "X", email: "not-an-email" }) { id } }', {}, admin),
      ),
    ).toBe('BAD_USER_INPUT');
    expect(
      codeOf(
        await t.gql(
          'mutation { createCandidate(input: { name: "X", email: "x@y.io", yearsExperience: -1 }) { id } }',
          {},
          admin,
        ),
      ),
    ).toBe('BAD_USER_INPUT');
    expect(
      codeOf(
        await t.gql(
          'mutation($id: ID!) { updateCandidate(id: $id, input: { name: "Y" }) { id } }',
          { id: new ObjectId().toHexString() },
          admin,
        ),
      ),
    ).toBe('NOT_FOUND');
    expect((await t.gql('{ candidate(id: "0123456789abcdef01234567") { id } }', {}, admin)).data).toEqual({
      candidate: null,
    });
  });
});

describe('jobs and applications', () => {
  test('jobs: create, update, close, filter', async () => {
    const id = await createJob({
      title: 'Backend Engineer',
      description: 'Go and TypeScript services',
      requiredSkills: ['Go'],
      minYearsExperience: 3,
    });
    const u = await t.gql<{ updateJob: Record<string, unknown> }>(
      'mutation($id: ID!) { updateJob(id: $id, input: { location: "Remote", niceToHaveSkills: ["k8s"] }) { title location niceToHaveSkills requiredSkills status } }',
      { id },
      admin,
    );
    expect(u.data?.updateJob).toEqual({
      title: 'Backend Engineer',
      location: 'Remote',
      niceToHaveSkills: ['k8s'],
      requiredSkills: ['Go'],
      status: 'OPEN',
    });
    const closed = await t.gql<{ closeJob: { status: string } }>(
      'mutation($id: ID!) { closeJob(id: $id) { status } }',
      { id },
      admin,
    );
    expect(closed.data?.closeJob.status).toBe('CLOSED');
    const list = await t.gql<{ jobs: { edges: Array<{ node: { id: string } }> } }>(
      '{ jobs(filter: { status: CLOSED, search: "typescript" }) { edges { node { id } } } }',
      {},
      admin,
    );
    expect(list.data?.jobs.edges.map((e) => e.node.id)).toContain(id);
    expect(
      codeOf(await t.gql('mutation { createJob(input: { title: "x", description: "" }) { id } }', {}, admin)),
    ).toBe('BAD_USER_INPUT');
  });

  test('applyToJob is idempotent and checks both references', async () => {
    const job = await createJob({ title: 'Designer', description: 'Figma' });
    const cand = await createCandidate({ name: 'Dee', email: 'dee@example.com' });
    const apply =
      'mutation($j: ID!, $c: ID!) { applyToJob(jobId: $j, candidateId: $c) { id stage job { id title } candidate { id name } } }';
    const a1 = await t.gql<{ applyToJob: { id: string } }>(apply, { j: job, c: cand }, admin);
    expect(a1.data?.applyToJob).toMatchObject({
      stage: 'APPLIED',
      job: { id: job, title: 'Designer' },
      candidate: { id: cand, name: 'Dee' },
    });
    const a2 = await t.gql<{ applyToJob: { id: string } }>(apply, { j: job, c: cand }, admin);
    expect(a2.data?.applyToJob.id).toBe(a1.data?.applyToJob.id);
    expect(codeOf(await t.gql(apply, { j: job, c: new ObjectId().toHexString() }, admin))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(apply, { j: new ObjectId().toHexString(), c: cand }, admin))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(apply, { j: 'bad', c: cand }, admin))).toBe('BAD_USER_INPUT');
    const moved = await t.gql<{ moveApplication: { stage: string } }>(
      'mutation($id: ID!) { moveApplication(id: $id, stage: INTERVIEW) { stage } }',
      { id: a1.data?.applyToJob.id },
      admin,
    );
    expect(moved.data?.moveApplication.stage).toBe('INTERVIEW');
    await t.gql('mutation($id: ID!) { closeJob(id: $id) { id } }', { id: job }, admin);
    const other = await createCandidate({ name: 'Eve', email: 'eve@example.com' });
    expect(codeOf(await t.gql(apply, { j: job, c: other }, admin))).toBe('BAD_USER_INPUT');
    const apps = await t.gql<{ job: { applications: { edges: unknown[] } } }>(
      'query($id: ID!) { job(id: $id) { applications { edges { node { id } } } } }',
      { id: job },
      admin,
    );
    expect(apps.data?.job.applications.edges).toHaveLength(1);
  });

  test('a candidate lists its applications across jobs', async () => {
    const cand = await createCandidate({ name: 'Fay', email: 'fay@example.com' });
    const jobs = [
      await createJob({ title: 'J1', description: 'd' }),
      await createJob({ title: 'J2', description: 'd' }),
    ];
    for (const j of jobs)
      await t.gql(
        'mutation($j: ID!, $c: ID!) { applyToJob(jobId: $j, candidateId: $c) { id } }',
        { j, c: cand },
        admin,
      );
    const r = await t.gql<{ candidate: { applications: Array<{ job: { title: string } }> } }>(
      'query($id: ID!) { candidate(id: $id) { applications { job { title } } } }',
      { id: cand },
      admin,
    );
    expect(r.data?.candidate.applications.map((a) => a.job.title)).toEqual(['J2', 'J1']);
  });
});

describe('assessments (read side)', () => {
  test('assessment, assessments and the fields on Candidate and Job', async () => {
    const cand = await createCandidate({ name: 'Gus', email: 'gus@example.com' });
    const job = await createJob({ title: 'Analyst', description: 'SQL' });
    // Seeded through the repository so the statuses are exact; runs themselves are tested in assessment-runs.
    const repo = new AssessmentRepository(t.stack.subgraphs.assessment.db, new ObjectId(tenantId));
    const base = newAssessment({
      candidateId: new ObjectId(cand),
      jobId: new ObjectId(job),
      agents: ['skills'],
      idempotencyKey: null,
    });
    const { doc: done } = await repo.create({
      ...base,
      _id: new ObjectId(),
      status: 'COMPLETED',
      steps: base.steps.map((s) => ({ ...s, status: 'SUCCEEDED' as const })),
      score: 80,
      recommendation: 'HIRE',
    });
    const { doc: queued } = await repo.create({
      ...base,
      _id: new ObjectId(),
      steps: base.steps.map((s, i) => ({ ...s, status: i < 2 ? ('SUCCEEDED' as const) : ('PENDING' as const) })),
    });
    const one = await t.gql<{ assessment: Record<string, unknown> }>(
      'query($id: ID!) { assessment(id: $id) { id status progress score recommendation candidate { name } job { title } steps { name status } } }',
      { id: queued._id.toHexString() },
      admin,
    );
    expect(one.data?.assessment).toMatchObject({
      status: 'QUEUED',
      progress: 2 / 3,
      candidate: { name: 'Gus' },
      job: { title: 'Analyst' },
    });
    const list = await t.gql<{ assessments: { edges: Array<{ node: { id: string } }> } }>(
      'query($c: ID) { assessments(filter: { candidateId: $c, status: COMPLETED }) { edges { node { id } } } }',
      { c: cand },
      admin,
    );
    expect(list.data?.assessments.edges.map((e) => e.node.id)).toEqual([done._id.toHexString()]);
    const viaParents = await t.gql<{
      candidate: { assessments: Array<{ id: string }> };
      job: { assessments: Array<{ id: string }> };
    }>(
      'query($c: ID!, $j: ID!) { candidate(id: $c) { assessments { id } } job(id: $j) { assessments(status: QUEUED) { id } } }',
      { c: cand, j: job },
      admin,
    );
    expect(viaParents.data?.candidate.assessments.map((a) => a.id)).toEqual([
      queued._id.toHexString(),
      done._id.toHexString(),
    ]);
    expect(viaParents.data?.job.assessments.map((a) => a.id)).toEqual([queued._id.toHexString()]);
    expect(codeOf(await t.gql('{ assessments(filter: { jobId: "x" }) { edges { cursor } } }', {}, admin))).toBe(
      'BAD_USER_INPUT',
    );
  });
});
