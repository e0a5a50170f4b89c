import { ObjectId } from 'mongodb';
import { createCandidate, createJob } from './graph-fixtures';
import type { TestStack } from './stack';

/**
 * Two tenants side by side, with counts a test can compute by hand. Tenant A:
 * candidates c0..c3 (c3 archived; c0 and c1 know Go), jobs j0, j1, j2 (j2 closed), applications
 * j0: c0 APPLIED, c1 SCREENING, c2 HIRED; j1: c0; j2: c1. Assessments, written straight to the
 * collection as finished runs leave them:
 *   j0: c0 COMPLETED 85 HIRE, c1 COMPLETED 100 STRONG_HIRE, c2 FAILED, c0 COMPLETED 42.5 NO_HIRE
 *   j1: c0 RUNNING, c0 CANCELLED 40 days ago
 * Tenant B: one candidate, one job, one application, one assessment COMPLETED 10 MAYBE.
 * `ids` maps those names (c0, j0, bc, bj, ...) to the created ids.
 */
export interface AnalyticsTenants {
  a: { id: string; admin: string };
  b: { id: string; admin: string };
  ids: Record<string, string>;
}

export async function seedAnalyticsTenants(t: TestStack): Promise<AnalyticsTenants> {
  const a = await t.newTenant();
  const b = await t.newTenant();
  const ids: Record<string, string> = {};
  for (let i = 0; i < 4; i++)
    ids[`c${i}`] = await createCandidate(
      t,
      { name: `C${i}`, email: `c${i}@a.example`, skills: i < 2 ? ['Go'] : [] },
      a.admin,
    );
  for (let i = 0; i < 3; i++) ids[`j${i}`] = await createJob(t, { title: `J${i}`, description: 'd' }, a.admin);
  ids.bc = await createCandidate(t, { name: 'B', email: 'b@b.example' }, b.admin);
  ids.bj = await createJob(t, { title: 'BJ', description: 'd' }, b.admin);
  const apply = async (token: string, jobKey: string, candidateKey: string) =>
    (
      await t.gql<{ applyToJob: { id: string } }>(
        'mutation($j: ID!, $c: ID!) { applyToJob(jobId: $j, candidateId: $c) { id } }',
        { j: ids[jobKey], c: ids[candidateKey] },
        token,
      )
    ).data!.applyToJob.id;
  await apply(a.admin, 'j0', 'c0');
  const move = (id: string, stage: string) =>
    t.gql(
      'mutation($id: ID!, $s: ApplicationStage!) { moveApplication(id: $id, stage: $s) { id } }',
      { id, s: stage },
      a.admin,
    );
  await move(await apply(a.admin, 'j0', 'c1'), 'SCREENING');
  await move(await apply(a.admin, 'j0', 'c2'), 'HIRED');
  await apply(a.admin, 'j1', 'c0');
  await apply(a.admin, 'j2', 'c1');
  await apply(b.admin, 'bj', 'bc');
  await t.gql('mutation($id: ID!) { closeJob(id: $id) { id } }', { id: ids.j2 }, a.admin);
  await t.gql('mutation($id: ID!) { archiveCandidate(id: $id) { id } }', { id: ids.c3 }, a.admin);

  const now = Date.now();
  const run = (
    tenant: string,
    job: string,
    cand: string,
    status: string,
    score?: number,
    rec?: string,
    daysAgo = 0,
  ) => ({
    _id: new ObjectId(),
    tenantId: new ObjectId(tenant),
    jobId: new ObjectId(ids[job]),
    candidateId: new ObjectId(ids[cand]),
    status,
    score: score ?? null,
    recommendation: rec ?? null,
    steps: [],
    events: [],
    eventSeq: 0,
    run: 1,
    agents: [],
    idempotencyKey: null,
    input: null,
    createdAt: new Date(now - daysAgo * 86_400_000),
    updatedAt: new Date(now),
  });
  await t.stack.subgraphs.assessment.db
    .collection('assessments')
    .insertMany([
      run(a.id, 'j0', 'c0', 'COMPLETED', 85, 'HIRE'),
      run(a.id, 'j0', 'c1', 'COMPLETED', 100, 'STRONG_HIRE'),
      run(a.id, 'j0', 'c2', 'FAILED'),
      run(a.id, 'j0', 'c0', 'COMPLETED', 42.5, 'NO_HIRE'),
      run(a.id, 'j1', 'c0', 'RUNNING'),
      run(a.id, 'j1', 'c0', 'CANCELLED', undefined, undefined, 40),
      run(b.id, 'bj', 'bc', 'COMPLETED', 10, 'MAYBE'),
    ]);
  return { a, b, ids };
}
