import { ObjectId } from 'mongodb';
import { newAssessment } from '../../subgraphs/assessment/store/model';
import { AssessmentRepository } from '../../subgraphs/assessment/store/repository';
import { codeOf, createCandidate, createJob, startGraphTenant } from '../support/graph-fixtures';
import type { TestStack } from '../support/stack';

/** Jobs, applications and the read side of assessments, through the gateway, on real servers. */
let t: TestStack;
let tenantId: string;
let admin: string;
beforeAll(async () => ({ t, tenantId, admin } = await startGraphTenant()));
afterAll(() => t?.close());

const newCandidate = (input: Record<string, unknown>, token = admin) => createCandidate(t, input, token);
const newJob = (input: Record<string, unknown>, token = admin) => createJob(t, input, token);

describe('jobs and applications', () => {
  test('jobs: create, update, close, filter', async () => {
    const id = await newJob({
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
    const job = await newJob({ title: 'Designer', description: 'Figma' });
    const cand = await newCandidate({ name: 'Dee', email: 'dee@example.com' });
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
    const other = await newCandidate({ name: 'Eve', email: 'eve@example.com' });
    expect(codeOf(await t.gql(apply, { j: job, c: other }, admin))).toBe('BAD_USER_INPUT');
    const apps = await t.gql<{ job: { applications: { edges: unknown[] } } }>(
      'query($id: ID!) { job(id: $id) { applications { edges { node { id } } } } }',
      { id: job },
      admin,
    );
    expect(apps.data?.job.applications.edges).toHaveLength(1);
  });

  test('a candidate lists its applications across jobs', async () => {
    const cand = await newCandidate({ name: 'Fay', email: 'fay@example.com' });
    const jobs = [await newJob({ title: 'J1', description: 'd' }), await newJob({ title: 'J2', description: 'd' })];
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
    const cand = await newCandidate({ name: 'Gus', email: 'gus@example.com' });
    const job = await newJob({ title: 'Analyst', description: 'SQL' });
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
