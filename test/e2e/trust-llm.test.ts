import { ASSESSMENT_FIELDS, useRunHarness, type Assessment } from '../support/runs';
import { waitFor } from '../support/wait';

/**
 * What one tenant could learn through the LLM agents: another tenant's cached answers (and that
 * it assessed the same resume for the same job), and the provider's error bodies.
 */
const h = useRunHarness({ LLM_CACHE_TTL_SECONDS: '3600' });

afterEach(() => {
  h.llm.behaviour = {};
  h.llm.score = 72;
});

const CANDIDATE = 'name email phone location headline skills yearsExperience resumeText';
const JOB = 'title description requiredSkills niceToHaveSkills minYearsExperience location';

/** A tenant of its own with the harness tenant's candidate and job, field for field. */
async function twinTenant(): Promise<{ token: string; candidateId: string; jobId: string }> {
  const source = await h.t.gql<{ candidate: Record<string, unknown>; job: Record<string, unknown> }>(
    `query($c: ID!, $j: ID!) { candidate(id: $c) { ${CANDIDATE} } job(id: $j) { ${JOB} } }`,
    { c: h.candidateId, j: h.jobId },
    h.token,
  );
  const { admin } = await h.t.newTenant();
  const c = await h.t.gql<{ createCandidate: { id: string } }>(
    'mutation($i: CreateCandidateInput!) { createCandidate(input: $i) { id } }',
    { i: source.data!.candidate },
    admin,
  );
  const j = await h.t.gql<{ createJob: { id: string } }>(
    'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }',
    { i: source.data!.job },
    admin,
  );
  expect([c.errors, j.errors]).toEqual([undefined, undefined]);
  return { token: admin, candidateId: c.data!.createCandidate.id, jobId: j.data!.createJob.id };
}

/** Starts a run as `token` and waits for its end. */
async function runAs(
  who: { token: string; candidateId: string; jobId: string },
  agents: string[],
): Promise<Assessment> {
  const r = await h.t.gql<{ startAssessment: { id: string } }>(
    'mutation($i: StartAssessmentInput!) { startAssessment(input: $i) { id } }',
    { i: { candidateId: who.candidateId, jobId: who.jobId, agents } },
    who.token,
  );
  expect(r.errors).toBeUndefined();
  const id = r.data!.startAssessment.id;
  return waitFor(
    async () => {
      const a = await h.t.gql<{ assessment: Assessment }>(
        `query($id: ID!) { assessment(id: $id) { ${ASSESSMENT_FIELDS} } }`,
        { id },
        who.token,
      );
      const s = a.data?.assessment;
      return s && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(s.status) ? s : undefined;
    },
    30_000,
    `assessment ${id} to end`,
  );
}

const technicalCalls = () => h.llm.received.filter((c) => c.agent === 'technical').length;
const scoreOf = (a: Assessment, step: string) => a.steps.find((s) => s.name === step)!.score;

test("tenant B is not served tenant A's cached answer for the same resume and job; each hits its own cache", async () => {
  const a = { token: h.token, candidateId: h.candidateId, jobId: h.jobId };
  const b = await twinTenant();
  const before = technicalCalls();
  h.llm.score = 81;
  expect(scoreOf(await runAs(a, ['llm-technical']), 'llm-technical')).toBe(81);
  expect(technicalCalls()).toBe(before + 1);

  // B's identical run reaches the LLM (B's call, B's answer): nothing of A's is served or revealed.
  h.llm.score = 37;
  expect(scoreOf(await runAs(b, ['llm-technical']), 'llm-technical')).toBe(37);
  expect(technicalCalls()).toBe(before + 2);

  // Each tenant's own second identical run is still answered from its cache.
  h.llm.score = 5;
  expect(scoreOf(await runAs(a, ['llm-technical']), 'llm-technical')).toBe(81);
  expect(scoreOf(await runAs(b, ['llm-technical']), 'llm-technical')).toBe(37);
  expect(technicalCalls()).toBe(before + 2);
});

const SECRET = 'sk-live-4f9c2e7d1b8a6053SECRET';
const self = () => ({ token: h.token, candidateId: h.candidateId, jobId: h.jobId });

test("a provider's error body never reaches the step's error; its HTTP status does", async () => {
  h.llm.errorText = `Incorrect API key provided: ${SECRET}. You can find your API key at https://platform.example/keys`;
  h.llm.behaviour = { risk: 'error401' };
  const calls = h.llm.callsOf('risk').length;
  const done = await runAs(self(), ['llm-risk']);
  expect(done.status).toBe('FAILED');
  const risk = done.steps.find((s) => s.name === 'llm-risk')!;
  expect(risk.status).toBe('FAILED');
  // A refusal is refused again: the step fails at its first attempt, with one call.
  expect(risk.attempts).toBe(1);
  expect(h.llm.callsOf('risk').length - calls).toBe(1);
  expect(risk.error).toMatch(/HTTP 401/);
  expect(risk.error).not.toContain(SECRET);
  expect(risk.error).not.toMatch(/Incorrect API key/);
  expect(done.error).not.toContain(SECRET);
});

test("a provider's answer that is not JSON (a proxy's page) is not copied into the step's error", async () => {
  h.llm.errorText = `<html><body>gateway error; upstream token=${SECRET}</body></html>`;
  h.llm.behaviour = { risk: 'notJson' };
  const done = await runAs(self(), ['llm-risk', 'skills']);
  expect(done.status).toBe('COMPLETED');
  const risk = done.steps.find((s) => s.name === 'llm-risk')!;
  expect(risk.error).toMatch(/expected a chat-completions JSON response/);
  expect(risk.error).not.toContain(SECRET);
  expect(JSON.stringify(done)).not.toContain(SECRET);
});
