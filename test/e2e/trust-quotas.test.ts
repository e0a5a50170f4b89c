import { ObjectId } from 'mongodb';
import { QUOTA_RECOUNT_AFTER_MS } from '../../subgraphs/candidate/quota';
import { useRunHarness } from '../support/runs';
import { waitFor } from '../support/wait';

/**
 * Quotas an attacker inside a tenant tried to get round: retries that were never charged to
 * assessmentsPerHour, and a burst of createCandidate racing past maxCandidates.
 */
const h = useRunHarness({ TENANT_LIMITS_CACHE_MS: '0' });

const codeOf = (r: { errors?: Array<{ extensions?: { code?: string } }> }) => r.errors?.[0]?.extensions?.code;
const RETRY = 'mutation($id: ID!) { retryAssessment(id: $id) { id status } }';

describe('retryAssessment and assessmentsPerHour', () => {
  afterEach(() => {
    h.llm.behaviour = {};
  });

  test('a retry past the hourly budget is RATE_LIMITED and changes nothing; one within it is queued', async () => {
    const limit = await h.t.gql(
      'mutation { updateTenant(input: { limits: { assessmentsPerHour: 2 } }) { id } }',
      {},
      h.token,
    );
    expect(limit.errors).toBeUndefined();
    h.llm.behaviour = { technical: 'error500' };
    const started = await h.start({ agents: ['llm-technical'] });
    const id = started.data!.startAssessment.id;
    expect((await h.waitFor(id, ['FAILED', 'COMPLETED'])).status).toBe('FAILED');

    // Within the budget (the start took 1 of 2): queued, and it runs (and fails again).
    const first = await h.t.gql<{ retryAssessment: { status: string } }>(RETRY, { id }, h.token);
    expect(first.errors).toBeUndefined();
    expect(first.data!.retryAssessment.status).toBe('QUEUED');
    await h.waitFor(id, ['FAILED']);
    await h.drained();

    // Past it: each retry would be up to 9 more LLM calls the tenant did not pay for.
    const before = await h.full(id);
    const calls = h.llm.received.length;
    const second = await h.t.gql(RETRY, { id }, h.token);
    expect(codeOf(second)).toBe('RATE_LIMITED');
    expect(second.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);
    const after = await h.full(id);
    expect([after.status, after.run, after.eventSeq]).toEqual(['FAILED', before.run, before.eventSeq]);
    await h.drained();
    expect(h.llm.received.length).toBe(calls);
  });

  test('a retry refused for its input (NOT_FOUND, not FAILED) does not spend the budget', async () => {
    const { admin } = await h.t.newTenant();
    await h.t.gql('mutation { updateTenant(input: { limits: { assessmentsPerHour: 1 } }) { id } }', {}, admin);
    const c = await h.t.gql<{ createCandidate: { id: string } }>(
      'mutation { createCandidate(input: { name: "R", email: "r@example.com", resumeText: "TypeScript" }) { id } }',
      {},
      admin,
    );
    const j = await h.t.gql<{ createJob: { id: string } }>(
      'mutation { createJob(input: { title: "T", description: "TypeScript", requiredSkills: ["TypeScript"] }) { id } }',
      {},
      admin,
    );
    for (let i = 0; i < 3; i++)
      expect(codeOf(await h.t.gql(RETRY, { id: new ObjectId().toHexString() }, admin))).toBe('NOT_FOUND');
    const start = () =>
      h.t.gql<{ startAssessment: { id: string } }>(
        'mutation($i: StartAssessmentInput!) { startAssessment(input: $i) { id } }',
        { i: { candidateId: c.data!.createCandidate.id, jobId: j.data!.createJob.id, agents: ['skills'] } },
        admin,
      );
    const run = await start();
    expect(run.errors).toBeUndefined();
    await waitFor(
      async () => {
        const r = await h.t.gql<{ assessment: { status: string } }>(
          'query($id: ID!) { assessment(id: $id) { status } }',
          { id: run.data!.startAssessment.id },
          admin,
        );
        return r.data?.assessment.status === 'COMPLETED';
      },
      30_000,
      'the run to complete',
    );
    // COMPLETED is not retryable: BAD_USER_INPUT, never RATE_LIMITED, whatever the budget says.
    expect(codeOf(await h.t.gql(RETRY, { id: run.data!.startAssessment.id }, admin))).toBe('BAD_USER_INPUT');
    expect(codeOf(await start())).toBe('RATE_LIMITED');
  });
});

describe('maxCandidates under a burst', () => {
  const create = (token: string, n: number | string) =>
    h.t.gql<{ createCandidate: { id: string } }>(
      `mutation { createCandidate(input: { name: "B${n}", email: "b${n}@example.com" }) { id } }`,
      {},
      token,
    );
  const candidates = () => h.t.stack.subgraphs.candidate.db.collection('candidates');
  const active = (tenantId: string) =>
    candidates().countDocuments({ tenantId: new ObjectId(tenantId), archivedAt: null });
  const setMax = async (token: string, max: number) =>
    expect(
      (await h.t.gql(`mutation { updateTenant(input: { limits: { maxCandidates: ${max} } }) { id } }`, {}, token))
        .errors,
    ).toBeUndefined();

  test('20 concurrent createCandidate with maxCandidates = 4 create exactly 4; the rest are RATE_LIMITED', async () => {
    const { id, admin } = await h.t.newTenant();
    await setMax(admin, 4);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => create(admin, `burst-${i}`)));
    expect(answers.filter((r) => !r.errors)).toHaveLength(4);
    expect(answers.filter((r) => codeOf(r) === 'RATE_LIMITED')).toHaveLength(16);
    expect(await active(id)).toBe(4);
  });

  test('a tenant with candidates from before the counter: a burst fills exactly the room left', async () => {
    const { id, admin } = await h.t.newTenant();
    // Written straight to MongoDB, as candidates created before the counter existed were.
    const now = new Date();
    await candidates().insertMany(
      [1, 2, 3].map((n) => ({
        _id: new ObjectId(),
        tenantId: new ObjectId(id),
        name: `Old ${n}`,
        email: `old${n}@example.com`,
        emailLower: `old${n}@example.com`,
        phone: null,
        location: null,
        headline: null,
        skills: [],
        skillsLower: [],
        yearsExperience: 0,
        resumeText: null,
        createdAt: now,
        updatedAt: now,
        archivedAt: n === 3 ? now : null,
      })),
    );
    await setMax(admin, 4);
    // Two active (the archived one does not count): room for two more.
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => create(admin, `old-burst-${i}`)));
    expect(answers.filter((r) => !r.errors)).toHaveLength(2);
    expect(answers.filter((r) => codeOf(r) === 'RATE_LIMITED')).toHaveLength(8);
    expect(await active(id)).toBe(4);
  });

  test('a failed insert (duplicate email) does not use up a slot; archiving twice frees one slot', async () => {
    const { id, admin } = await h.t.newTenant();
    await setMax(admin, 2);
    const first = await create(admin, 'dup');
    expect(first.errors).toBeUndefined();
    const dups = await Promise.all([1, 2, 3].map(() => create(admin, 'dup')));
    // A failing insert holds its slot until it fails, so a concurrent one may find the cap reached.
    expect(dups.map(codeOf)).toContain('CONFLICT');
    for (const d of dups) expect(['CONFLICT', 'RATE_LIMITED']).toContain(codeOf(d));
    expect((await create(admin, 'second')).errors).toBeUndefined();
    expect(codeOf(await create(admin, 'third'))).toBe('RATE_LIMITED');

    const archive = 'mutation($id: ID!) { archiveCandidate(id: $id) { id } }';
    for (let i = 0; i < 2; i++)
      expect((await h.t.gql(archive, { id: first.data!.createCandidate.id }, admin)).errors).toBeUndefined();
    const refill = await Promise.all([1, 2, 3].map((n) => create(admin, `refill-${n}`)));
    expect(refill.filter((r) => !r.errors)).toHaveLength(1);
    expect(await active(id)).toBe(2);
  });
  test('a slot leaked by a process that died between take and insert comes back once the counter is quiet', async () => {
    const { id, admin } = await h.t.newTenant();
    await setMax(admin, 2);
    expect((await create(admin, 'leak-1')).errors).toBeUndefined();
    const quotas = h.t.stack.subgraphs.candidate.db.collection('candidate_quotas');
    const tenantId = new ObjectId(id);
    // A take whose insert never happened, just now: it may still be in flight, so it is trusted.
    await quotas.updateOne({ tenantId }, { $inc: { active: 1 }, $set: { changedAt: new Date() } });
    expect(codeOf(await create(admin, 'leak-2'))).toBe('RATE_LIMITED');
    // The same, left alone past QUOTA_RECOUNT_AFTER_MS: recounted, and the slot is there again.
    await quotas.updateOne({ tenantId }, { $set: { changedAt: new Date(Date.now() - QUOTA_RECOUNT_AFTER_MS - 1000) } });
    expect((await create(admin, 'leak-2')).errors).toBeUndefined();
    expect(codeOf(await create(admin, 'leak-3'))).toBe('RATE_LIMITED');
    expect(await active(id)).toBe(2);
    expect((await quotas.findOne({ tenantId }))!.active).toBe(2);
  });
});
