import fc from 'fast-check';
import {
  allJobs,
  jobsOf,
  LLM_QUEUE_NAME,
  nextStage,
  planSteps,
  progressOf,
  QUEUE_NAME,
  STEP_DONE,
  stepsToRetry,
  stepsToSkip,
  synthesisReady,
  TERMINAL,
  type RunState,
  type StepState,
} from '../../subgraphs/assessment/engine/plan';
import type { AssessmentStatus, StepStatus } from '../../subgraphs/assessment/store/model';

/**
 * The plan of a run, walked through every state a run can be in. The walk is a small model of
 * what the jobs, cancel and retry record (steps.ts, runs.ts); each state it reaches is checked
 * against the plan's answers: what is enqueued next, what a retry re-runs, what is skipped, progress.
 */

const BUILT_IN = ['skills', 'experience', 'keywords', 'profile'];
const LLM = ['llm-technical', 'llm-communication', 'llm-risk'];

type State = { status: AssessmentStatus; steps: StepState[] };

const key = (s: State) => `${s.status}|${s.steps.map((x) => x.status[0]! + x.status[1]!).join(',')}`;
const set = (s: State, status: AssessmentStatus | null, change: Record<string, StepStatus>): State => ({
  status: status ?? s.status,
  steps: s.steps.map((x) => (change[x.name] ? { ...x, status: change[x.name]! } : x)),
});
const of = (s: State, kind: StepState['kind']) => s.steps.filter((x) => x.kind === kind);
const only = (names: string[], status: StepStatus) => Object.fromEntries(names.map((n) => [n, status]));

/** Every state one recorded change leads to from `s` (what the jobs, cancel and retry write). */
function moves(s: State): State[] {
  const out: State[] = [];
  const [validation] = of(s, 'VALIDATION');
  const [synthesis] = of(s, 'SYNTHESIS');
  const agents = of(s, 'AGENT');
  if (s.status === 'FAILED') out.push(set(s, 'QUEUED', only(stepsToRetry(s.steps), 'PENDING')));
  if (TERMINAL.has(s.status)) return out;
  out.push(set(s, 'CANCELLED', only(stepsToSkip(s.steps), 'SKIPPED')));
  // The validation job: starts the run, and the validation step unless it already succeeded.
  if (s.status === 'QUEUED' || validation!.status === 'PENDING')
    out.push(set(s, 'RUNNING', validation!.status === 'SUCCEEDED' ? {} : { validation: 'RUNNING' }));
  if (validation!.status === 'RUNNING') {
    out.push(set(s, null, { validation: 'SUCCEEDED' }));
    out.push(set(s, 'FAILED', { ...only(stepsToSkip(s.steps, 'validation'), 'SKIPPED'), validation: 'FAILED' }));
  }
  if (s.status !== 'RUNNING' || validation!.status !== 'SUCCEEDED') return out;
  for (const a of agents) {
    if (a.status === 'PENDING') out.push(set(s, null, { [a.name]: 'RUNNING' }));
    if (a.status === 'RUNNING')
      for (const to of ['SUCCEEDED', 'FAILED', 'PENDING'] as const) out.push(set(s, null, { [a.name]: to }));
  }
  if (synthesis!.status === 'PENDING' && synthesisReady(s)) out.push(set(s, null, { synthesis: 'RUNNING' }));
  if (synthesis!.status === 'RUNNING') {
    const any = agents.some((a) => a.status === 'SUCCEEDED');
    out.push(set(s, any ? 'COMPLETED' : 'FAILED', { synthesis: any ? 'SUCCEEDED' : 'FAILED' }));
  }
  return out;
}

/** Every state a run with these agents can reach from its start. */
function reachable(agents: string[]): State[] {
  const start: State = { status: 'QUEUED', steps: planSteps(agents).map((s) => ({ ...s, status: 'PENDING' })) };
  const seen = new Map([[key(start), start]]);
  const todo = [start];
  while (todo.length)
    for (const next of moves(todo.pop()!))
      if (!seen.has(key(next))) todo.push(seen.set(key(next), next).get(key(next))!);
  return [...seen.values()];
}

/**
 * Drives a run as the plan says, every job succeeding: what each stage's jobs would record. Returns
 * the state it ends in and every step a job worked on (so a step that had succeeded is never redone).
 */
function drive(s: State): { end: State; worked: string[] } {
  const worked: string[] = [];
  for (let stages = 0; stages < 4; stages++) {
    const next = nextStage(s);
    if (!next) return { end: s, worked };
    if (next.stage === 'validation') {
      const v = of(s, 'VALIDATION')[0]!;
      if (v.status !== 'SUCCEEDED') worked.push(v.name);
      s = set(s, 'RUNNING', { validation: 'SUCCEEDED' });
      continue;
    }
    const jobs = jobsOf(next);
    worked.push(...jobs.children.map((c) => c.agent!));
    s = set(s, null, only(next.agents, 'SUCCEEDED'));
    expect(synthesisReady(s)).toBe(true);
    worked.push('synthesis');
    const any = of(s, 'AGENT').some((a) => a.status === 'SUCCEEDED');
    s = set(s, any ? 'COMPLETED' : 'FAILED', { synthesis: any ? 'SUCCEEDED' : 'FAILED' });
  }
  throw new Error(`the plan did not end a run from ${key(s)}`);
}

const RUNS: Array<[string, string[]]> = [
  ['one built-in agent, no LLM agent', ['skills']],
  ['built-in agents only', ['skills', 'experience', 'keywords']],
  ['one LLM agent', ['llm-technical']],
  ['built-in and LLM agents', ['skills', 'llm-risk', 'llm-communication']],
];

describe.each(RUNS)('every state of a run with %s', (_what, agents) => {
  const states = reachable(agents);

  test('the walk covers the states that matter: retried runs with steps already done, each end', () => {
    const statuses = new Set(states.map((s) => s.status));
    expect([...statuses].sort()).toEqual(['CANCELLED', 'COMPLETED', 'FAILED', 'QUEUED', 'RUNNING']);
    // A retried run: QUEUED again with validation (and maybe agents) already succeeded.
    expect(states.some((s) => s.status === 'QUEUED' && s.steps[0]!.status === 'SUCCEEDED')).toBe(true);
    expect(states.length).toBeGreaterThan(3 ** agents.length);
  });

  test.each(['next', 'progress', 'skip', 'retry', 'resume'])('%s answers hold in every state', (what) => {
    for (const s of states) {
      const at = key(s);
      const unfinished = s.steps.filter((x) => x.kind === 'AGENT' && !STEP_DONE.has(x.status)).map((x) => x.name);
      const next = nextStage(s);
      if (what === 'next') {
        if (TERMINAL.has(s.status)) expect([at, next]).toEqual([at, null]);
        else if (s.status === 'QUEUED' || s.steps[0]!.status !== 'SUCCEEDED')
          expect([at, next]).toEqual([at, { stage: 'validation' }]);
        else expect([at, next]).toEqual([at, { stage: 'flow', agents: unfinished }]);
        expect([at, synthesisReady(s)]).toEqual([at, !TERMINAL.has(s.status) && unfinished.length === 0]);
        if (next?.stage === 'flow') {
          const jobs = jobsOf(next);
          expect([jobs.name, jobs.queue, jobs.key]).toEqual(['synthesis', QUEUE_NAME, 'synthesis']);
          expect(jobs.children.map((c) => [c.agent, c.queue])).toEqual(
            unfinished.map((a) => [a, a.startsWith('llm-') ? LLM_QUEUE_NAME : QUEUE_NAME]),
          );
        }
      } else if (what === 'progress') {
        const p = progressOf(s.steps);
        expect(p).toBeCloseTo(s.steps.filter((x) => STEP_DONE.has(x.status)).length / s.steps.length);
        // Every run that is over has finished (or skipped) each of its steps.
        if (TERMINAL.has(s.status)) expect([at, p]).toEqual([at, 1]);
        else expect(p).toBeLessThan(1);
      } else if (what === 'skip') {
        expect([at, stepsToSkip(s.steps)]).toEqual([
          at,
          s.steps.filter((x) => !STEP_DONE.has(x.status)).map((x) => x.name),
        ]);
        if (TERMINAL.has(s.status)) expect(stepsToSkip(s.steps)).toEqual([]);
      } else if (what === 'retry') {
        if (s.status !== 'FAILED') continue;
        const again = stepsToRetry(s.steps);
        expect(again).toEqual(s.steps.filter((x) => x.status !== 'SUCCEEDED').map((x) => x.name));
        const retried = set(s, 'QUEUED', only(again, 'PENDING'));
        expect(nextStage(retried)).toEqual({ stage: 'validation' });
        // Only steps that did not succeed run again.
        const { worked } = drive(retried);
        expect([at, worked.sort()]).toEqual([at, [...again].sort()]);
      } else {
        // From any state, following the plan with every job succeeding ends the run, and never
        // redoes a step that finished.
        const { end, worked } = drive(s);
        expect(TERMINAL.has(end.status)).toBe(true);
        const done = s.steps.filter((x) => STEP_DONE.has(x.status)).map((x) => x.name);
        expect([at, worked.filter((w) => done.includes(w))]).toEqual([at, []]);
        if (!TERMINAL.has(s.status) && s.steps.some((x) => x.kind === 'AGENT' && x.status !== 'FAILED'))
          expect([at, end.status]).toEqual([at, 'COMPLETED']);
      }
    }
  });
});

test('a plan is validation, the agents in the order chosen, synthesis; each job has its own key and queue', () => {
  const names = fc.uniqueArray(fc.constantFrom(...BUILT_IN, ...LLM), { minLength: 1 });
  fc.assert(
    fc.property(names, (agents) => {
      const steps = planSteps(agents);
      expect(steps.map((s) => s.name)).toEqual(['validation', ...agents, 'synthesis']);
      expect(steps.map((s) => s.kind)).toEqual(['VALIDATION', ...agents.map(() => 'AGENT'), 'SYNTHESIS']);
      const jobs = allJobs(agents);
      expect(new Set(jobs.map((j) => j.key)).size).toBe(steps.length);
      expect(jobs.map((j) => j.key)).toEqual(['validation', ...agents.map((a) => `agent-${a}`), 'synthesis']);
      expect(jobs.filter((j) => j.queue === LLM_QUEUE_NAME).length).toBe(agents.filter((a) => LLM.includes(a)).length);
      const fresh: RunState = { status: 'RUNNING', steps: steps.map((s) => ({ ...s, status: 'PENDING' })) };
      expect(nextStage(fresh)).toEqual({ stage: 'validation' });
      expect(progressOf(fresh.steps)).toBe(0);
    }),
  );
});
