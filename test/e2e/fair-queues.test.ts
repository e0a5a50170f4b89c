import { useRunHarness } from '../support/runs';
import { waitFor } from '../support/wait';

/**
 * Queues that are fair: LLM agents on a queue of their own (two slots here, two for built-in
 * steps), and priorities that weigh each run by its place in its tenant's line and its plan.
 */
const h = useRunHarness({ WORKER_CONCURRENCY: '2', LLM_WORKER_CONCURRENCY: '2' });

const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELLED'];

test('built-in steps finish while every LLM slot is busy', async () => {
  h.llm.behaviour = { technical: 'slow' };
  h.llm.slowMs = 20_000;
  const slow = [];
  for (let i = 0; i < 3; i++) slow.push((await h.start({ agents: ['llm-technical'] })).data!.startAssessment.id);
  // Both LLM slots hold a call the LLM has not answered; the third run's call waits for a slot.
  await waitFor(
    async () => h.llm.received.filter((c) => c.agent === 'technical').length === 2,
    10_000,
    'two LLM calls',
  );
  const quick = (await h.start({ agents: ['skills', 'experience'] })).data!.startAssessment.id;
  const done = await h.waitFor(quick, TERMINAL, 10_000);
  expect(done.status).toBe('COMPLETED');
  expect(h.llm.calls.filter((c) => c.agent === 'technical')).toHaveLength(0); // still unanswered
  for (const id of slow) await h.t.gql('mutation($id: ID!) { cancelAssessment(id: $id) { id } }', { id }, h.token);
  await h.drained();
  h.llm.behaviour = {};
});

test("one tenant's hundred runs do not hold back another tenant's one", async () => {
  // Two slots at 2 s a call: A's runs end at one a second, far slower than they are started (even
  // on a loaded machine), so A's line is long when B arrives. B waits for one slot (at most one
  // call) and its own call: about 4 s.
  h.llm.latencyMs = 2000;
  const b = await h.t.newTenant();
  const make = async (query: string, input: Record<string, unknown>) =>
    Object.values((await h.t.gql<Record<string, { id: string }>>(query, { i: input }, b.admin)).data!)[0]!.id;
  const candidateId = await make('mutation($i: CreateCandidateInput!) { createCandidate(input: $i) { id } }', {
    name: 'Ada',
    email: 'ada@b.example',
    skills: ['TypeScript'],
    resumeText: 'Wrote the first program; ten years of TypeScript since.',
  });
  const jobId = await make('mutation($i: CreateJobInput!) { createJob(input: $i) { id } }', {
    title: 'Engineer',
    description: 'TypeScript',
  });

  const burst: string[] = [];
  for (let i = 0; i < 100; i++) burst.push((await h.start({ agents: ['llm-technical'] })).data!.startAssessment.id);
  const started = Date.now();
  const one = await h.t.gql<{ startAssessment: { id: string } }>(
    'mutation($i: StartAssessmentInput!) { startAssessment(input: $i) { id } }',
    { i: { candidateId, jobId, agents: ['llm-technical'] } },
    b.admin,
  );
  const run = await waitFor(
    async () => {
      const r = await h.t.gql<{ assessment: { status: string } }>(
        'query($id: ID!) { assessment(id: $id) { status } }',
        { id: one.data!.startAssessment.id },
        b.admin,
      );
      return TERMINAL.includes(r.data!.assessment.status) ? r.data!.assessment : undefined;
    },
    30_000,
    "tenant B's run to end",
  );
  expect(run.status).toBe('COMPLETED');
  const waitedMs = Date.now() - started;
  const statuses = await Promise.all(burst.map(async (id) => (await h.get(id)).status));
  const unfinished = statuses.filter((s) => !TERMINAL.includes(s)).length;
  // B's run waited for one slot and one call; most of A's hundred are still in line.
  expect(unfinished).toBeGreaterThan(50);
  expect(waitedMs).toBeLessThan(10_000);
  for (const id of burst) await h.t.gql('mutation($id: ID!) { cancelAssessment(id: $id) { id } }', { id }, h.token);
  await h.drained(30_000);
}, 120_000);
