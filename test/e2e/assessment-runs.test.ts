import { waitFor } from '../support/wait';
import { expectContiguous, useRunHarness } from '../support/runs';

/** Runs end to end: real Redis, BullMQ workers in-process, the embedded MongoDB, a fake LLM. */
const h = useRunHarness();

const codeOf = (r: { errors?: Array<{ extensions?: { code?: string } }> }) => r.errors?.[0]?.extensions?.code;

test('agents lists the built-ins and, with an LLM configured, the LLM agents', async () => {
  const r = await h.t.gql<{ agents: Array<{ name: string; builtIn: boolean }> }>(
    '{ agents { name builtIn description } }',
    {},
    h.token,
  );
  expect(r.data?.agents.map((a) => [a.name, a.builtIn])).toEqual([
    ['skills', true],
    ['experience', true],
    ['keywords', true],
    ['profile', true],
    ['llm-technical', false],
    ['llm-communication', false],
    ['llm-risk', false],
  ]);
});

test('startAssessment returns QUEUED at once; the run completes with every step recorded once', async () => {
  h.llm.latencyMs = 100;
  const r = await h.start();
  expect(r.errors).toBeUndefined();
  const started = r.data!.startAssessment;
  expect(started.status).toBe('QUEUED');
  expect(started.steps.map((s) => s.name)).toEqual([
    'validation',
    'skills',
    'experience',
    'keywords',
    'profile',
    'llm-technical',
    'llm-communication',
    'llm-risk',
    'synthesis',
  ]);
  const done = await h.waitFor(started.id, ['COMPLETED', 'FAILED']);
  expect(done.status).toBe('COMPLETED');
  expect(done.progress).toBe(1);
  expect(done.steps.every((s) => s.status === 'SUCCEEDED' && s.attempts === 1)).toBe(true);
  expect(done.score).toBeGreaterThan(0);
  expect(['STRONG_HIRE', 'HIRE', 'MAYBE', 'NO_HIRE']).toContain(done.recommendation);
  expect(done.summary).toMatch(/from 7 of 7 agents/);
  const full = await h.full(started.id);
  expectContiguous(full);
  const succeeded = full.events.filter((e) => e.type === 'STEP_SUCCEEDED').map((e) => e.step!.name);
  expect(succeeded.sort()).toEqual(done.steps.map((s) => s.name).sort());
  expect(full.events[0]!.type).toBe('QUEUED');
  expect(full.events[full.events.length - 1]!.type).toBe('COMPLETED');
  const metrics = await (await fetch(h.workers[0]!.metricsUrl)).text();
  expect(metrics).toMatch(/hiregraph_job_duration_seconds_count\{[^}]*step="agent",outcome="completed"[^}]*\} [1-9]/);
  expect(metrics).toMatch(/hiregraph_queue_jobs\{[^}]*state="waiting"[^}]*\} \d+/);
});

test('the LLM agents run at the same time', async () => {
  h.llm.latencyMs = 500;
  const before = h.llm.calls.length;
  const r = await h.start({ agents: ['llm-technical', 'llm-communication', 'llm-risk'] });
  await h.waitFor(r.data!.startAssessment.id, ['COMPLETED']);
  const calls = h.llm.calls.slice(before);
  expect(calls.map((c) => c.agent).sort()).toEqual(['communication', 'risk', 'technical']);
  // Every call started before any of them finished: their running intervals overlap.
  expect(Math.max(...calls.map((c) => c.start))).toBeLessThan(Math.min(...calls.map((c) => c.end)));
});

test('the same idempotency key returns the first assessment; another input with it is a CONFLICT', async () => {
  const a = await h.start({ agents: ['skills'], idempotencyKey: 'key-1' });
  const b = await h.start({ agents: ['skills'], idempotencyKey: 'key-1' });
  expect(b.data!.startAssessment.id).toBe(a.data!.startAssessment.id);
  expect(codeOf(await h.start({ agents: ['profile'], idempotencyKey: 'key-1' }))).toBe('CONFLICT');
  await h.waitFor(a.data!.startAssessment.id, ['COMPLETED']);
  const list = await h.t.gql<{ assessments: { edges: unknown[] } }>(
    '{ assessments(first: 100) { edges { cursor } } }',
    {},
    h.token,
  );
  const ids = await h.t.gql<{ assessments: { edges: Array<{ node: { id: string } }> } }>(
    '{ assessments(first: 100) { edges { node { id } } } }',
    {},
    h.token,
  );
  expect(ids.data!.assessments.edges.filter((e) => e.node.id === a.data!.startAssessment.id)).toHaveLength(1);
  expect(list.data!.assessments.edges.length).toBeGreaterThan(0);
});

test('bad input is refused before anything is written', async () => {
  const count = async () =>
    (
      await h.t.gql<{ assessments: { edges: unknown[] } }>(
        '{ assessments(first: 100) { edges { cursor } } }',
        {},
        h.token,
      )
    ).data!.assessments.edges.length;
  const before = await count();
  expect(codeOf(await h.start({ agents: ['nope'] }))).toBe('BAD_USER_INPUT');
  expect(codeOf(await h.start({ agents: [] }))).toBe('BAD_USER_INPUT');
  expect(codeOf(await h.start({ candidateId: '0123456789abcdef01234567' }))).toBe('NOT_FOUND');
  expect(codeOf(await h.start({ jobId: '0123456789abcdef01234567' }))).toBe('NOT_FOUND');
  expect(codeOf(await h.start({ jobId: 'bad' }))).toBe('BAD_USER_INPUT');
  const viewer = await h.t.token('viewer', h.tenantId);
  const v = await h.t.gql(
    'mutation($i: StartAssessmentInput!) { startAssessment(input: $i) { id } }',
    { i: { candidateId: h.candidateId, jobId: h.jobId } },
    viewer,
  );
  expect(codeOf(v)).toBe('FORBIDDEN');
  const closedJob = await h.t.gql<{ createJob: { id: string } }>(
    'mutation { createJob(input: { title: "Closed", description: "x" }) { id } }',
    {},
    h.token,
  );
  await h.t.gql('mutation($id: ID!) { closeJob(id: $id) { id } }', { id: closedJob.data!.createJob.id }, h.token);
  expect(codeOf(await h.start({ jobId: closedJob.data!.createJob.id }))).toBe('BAD_USER_INPUT');
  expect(await count()).toBe(before);
});

test('an LLM that answers garbage fails its agent after every attempt; the run completes from the others and says so', async () => {
  h.llm.latencyMs = 0;
  h.llm.behaviour = { risk: 'garbage' };
  try {
    const r = await h.start({ agents: ['skills', 'llm-risk'] });
    const done = await h.waitFor(r.data!.startAssessment.id, ['COMPLETED', 'FAILED']);
    expect(done.status).toBe('COMPLETED');
    const risk = done.steps.find((s) => s.name === 'llm-risk')!;
    expect(risk).toMatchObject({ status: 'FAILED', attempts: 3, score: null });
    expect(risk.error).toMatch(/expected the model to answer with a JSON object/);
    expect(done.summary).toMatch(/left out: llm-risk/);
    const full = await h.full(done.id);
    expectContiguous(full);
    expect(full.events.filter((e) => e.type === 'STEP_RETRYING' && e.step?.name === 'llm-risk')).toHaveLength(2);
  } finally {
    h.llm.behaviour = {};
  }
});

test('no agent succeeded: the run FAILS; retry re-runs only what did not succeed', async () => {
  h.llm.behaviour = { technical: 'error500' };
  const calls = h.llm.callsOf('technical').length;
  const r = await h.start({ agents: ['llm-technical'] });
  const failed = await h.waitFor(r.data!.startAssessment.id, ['FAILED', 'COMPLETED']);
  expect(failed.status).toBe('FAILED');
  expect(failed.error).toMatch(/no agent succeeded/);
  // Retries are counted once: one LLM call per attempt, STEP_ATTEMPTS (3) attempts.
  expect(failed.steps.find((s) => s.name === 'llm-technical')).toMatchObject({ status: 'FAILED', attempts: 3 });
  expect(h.llm.callsOf('technical').length - calls).toBe(3);
  h.llm.behaviour = {};
  const retried = await h.t.gql<{ retryAssessment: { status: string } }>(
    'mutation($id: ID!) { retryAssessment(id: $id) { status } }',
    { id: failed.id },
    h.token,
  );
  expect(retried.data?.retryAssessment.status).toBe('QUEUED');
  const done = await h.waitFor(failed.id, ['COMPLETED']);
  const step = (n: string) => done.steps.find((s) => s.name === n)!;
  expect(step('validation').attempts).toBe(1);
  expect(step('llm-technical')).toMatchObject({ status: 'SUCCEEDED', attempts: 4 });
  expectContiguous(await h.full(done.id));
  expect(
    codeOf(await h.t.gql('mutation($id: ID!) { retryAssessment(id: $id) { id } }', { id: done.id }, h.token)),
  ).toBe('BAD_USER_INPUT');
});

test('a 429 is a failed attempt that BullMQ retries (after retry-after, when given); the run completes', async () => {
  h.llm.behaviour = { communication: 'rateLimitedOnce' };
  try {
    const calls = h.llm.callsOf('communication').length;
    const r = await h.start({ agents: ['llm-communication'] });
    const done = await h.waitFor(r.data!.startAssessment.id, ['COMPLETED', 'FAILED']);
    expect(done.status).toBe('COMPLETED');
    expect(done.steps.find((s) => s.name === 'llm-communication')).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(
      h.llm
        .callsOf('communication')
        .slice(calls)
        .map((c) => c.status),
    ).toEqual([429, 200]);
    const full = await h.full(done.id);
    expectContiguous(full);
    expect(full.events.filter((e) => e.type === 'STEP_RETRYING').map((e) => e.step?.name)).toEqual([
      'llm-communication',
    ]);
  } finally {
    h.llm.behaviour = {};
  }
});

test('cancel: no further step starts and the run ends CANCELLED', async () => {
  h.llm.behaviour = { technical: 'slow' };
  h.llm.slowMs = 1500;
  try {
    const calls = h.llm.received.length;
    const abandoned = h.llm.abandoned.length;
    const r = await h.start({ agents: ['llm-technical', 'skills'] });
    const id = r.data!.startAssessment.id;
    // Cancelled while its LLM agent is mid-call.
    await waitFor(
      async () => h.llm.received.slice(calls).some((x) => x.agent === 'technical'),
      30_000,
      'the agent to call the LLM',
    );
    const c = await h.t.gql<{ cancelAssessment: { status: string } }>(
      'mutation($id: ID!) { cancelAssessment(id: $id) { status } }',
      { id },
      h.token,
    );
    expect(c.data?.cancelAssessment.status).toBe('CANCELLED');
    // The worker notices the cancel and abandons its LLM call; then nothing is left to run.
    await waitFor(
      async () => h.llm.abandoned.slice(abandoned).some((x) => x.agent === 'technical'),
      10_000,
      'the LLM call to be abandoned',
    );
    await h.drained();
    const after = await h.get(id);
    expect(after.status).toBe('CANCELLED');
    expect(after.steps.find((s) => s.name === 'synthesis')!.status).toBe('SKIPPED');
    expect(after.steps.find((s) => s.name === 'llm-technical')!.status).not.toBe('SUCCEEDED');
    const full = await h.full(id);
    expectContiguous(full);
    expect(full.events[full.events.length - 1]!.type).toBe('CANCELLED');
    const again = await h.t.gql<{ cancelAssessment: { status: string } }>(
      'mutation($id: ID!) { cancelAssessment(id: $id) { status } }',
      { id },
      h.token,
    );
    expect(again.data?.cancelAssessment.status).toBe('CANCELLED');
  } finally {
    h.llm.behaviour = {};
  }
});

test('validation re-checks its inputs when it runs: a candidate without a resume fails the run', async () => {
  const c = await h.t.gql<{ createCandidate: { id: string } }>(
    'mutation { createCandidate(input: { name: "No Resume", email: "noresume@example.com" }) { id } }',
    {},
    h.token,
  );
  const r = await h.start({ candidateId: c.data!.createCandidate.id, agents: ['skills'] });
  const done = await h.waitFor(r.data!.startAssessment.id, ['FAILED', 'COMPLETED']);
  expect(done.status).toBe('FAILED');
  expect(done.error).toMatch(/no resume text/);
  expect(done.steps.map((s) => s.status)).toEqual(['FAILED', 'SKIPPED', 'SKIPPED']);
});
