import { BUILT_IN_AGENTS } from '../agents/registry';
import type { AssessmentStatus, StepDoc, StepKind, StepStatus } from '../store/model';

/**
 * The plan of a run, and the one place that knows it: validation, then the chosen agents (in
 * parallel), then synthesis. Everything else asks here: the model for a new run's steps, the
 * queue for the jobs to add, the steps for what comes after them, the reconciler for what drives a
 * stuck run on, retry for what runs again. Pure, so every state is testable without I/O
 * (test/unit/run-plan.test.ts).
 */

export const VALIDATION = 'validation';
export const SYNTHESIS = 'synthesis';
export const TERMINAL: ReadonlySet<string> = new Set<AssessmentStatus>(['COMPLETED', 'FAILED', 'CANCELLED']);
export const STEP_DONE: ReadonlySet<string> = new Set<StepStatus>(['SUCCEEDED', 'FAILED', 'SKIPPED']);

export const QUEUE_NAME = 'assessment-runs';
/** LLM agents' steps: a queue of their own, with its own worker concurrency (LLM_WORKER_CONCURRENCY). */
export const LLM_QUEUE_NAME = 'assessment-llm';
const BUILT_IN = new Set(BUILT_IN_AGENTS.map((a) => a.name));

/** The queue an agent's step goes to: built-ins on the run queue, LLM agents on their own. */
export function queueOfAgent(agent: string): string {
  return BUILT_IN.has(agent) ? QUEUE_NAME : LLM_QUEUE_NAME;
}

/** The BullMQ job names of a run: one per kind of step. */
export type JobName = 'validation' | 'agent' | 'synthesis';
export const JOB_NAMES: ReadonlySet<string> = new Set<JobName>(['validation', 'agent', 'synthesis']);

/** A run's steps in order. */
export function planSteps(agents: readonly string[]): Array<{ name: string; kind: StepKind }> {
  return [
    { name: VALIDATION, kind: 'VALIDATION' },
    ...agents.map((name) => ({ name, kind: 'AGENT' as const })),
    { name: SYNTHESIS, kind: 'SYNTHESIS' },
  ];
}

/** A step's part of its job id (with the assessment and the run number, see jobId). */
export function stepKey(step: { name: string; kind: StepKind }): string {
  return step.kind === 'AGENT' ? `agent-${step.name}` : step.name;
}

export type StepState = Pick<StepDoc, 'name' | 'kind' | 'status'>;
export interface RunState {
  status: AssessmentStatus;
  steps: readonly StepState[];
}

/**
 * What has to be in the queue for a run to move on from what is recorded:
 * - `validation`: the validation job. It starts a QUEUED run (STARTED) and, once validation has
 *   succeeded (now or in an earlier run), asks for the next stage itself.
 * - `flow`: the agents that have not finished, as children of the synthesis job, which BullMQ
 *   runs once they are done (no agents left: synthesis alone).
 * - null: the run is over; nothing is enqueued.
 */
export type Next = { stage: 'validation' } | { stage: 'flow'; agents: string[] } | null;

/**
 * The next stage of a run. Used after validation succeeds, by the reconciler for a run that made
 * no progress, and by start and retry (a QUEUED run always goes through validation, which starts it).
 */
export function nextStage(run: RunState): Next {
  if (TERMINAL.has(run.status)) return null;
  const validation = run.steps.find((s) => s.kind === 'VALIDATION');
  if (run.status === 'QUEUED' || validation?.status !== 'SUCCEEDED') return { stage: 'validation' };
  return { stage: 'flow', agents: unfinishedAgents(run.steps) };
}

/** Agents whose steps have not finished, in the run's order: what synthesis waits for. */
export function unfinishedAgents(steps: readonly StepState[]): string[] {
  return steps.filter((s) => s.kind === 'AGENT' && !STEP_DONE.has(s.status)).map((s) => s.name);
}

/** One job to add: its name, queue and step key, with its children (which run first). */
export interface JobSpec {
  name: JobName;
  queue: string;
  key: string;
  agent?: string;
  children: JobSpec[];
}

/** The jobs a stage is made of. */
export function jobsOf(next: NonNullable<Next>): JobSpec {
  if (next.stage === 'validation')
    return {
      name: 'validation',
      queue: QUEUE_NAME,
      key: stepKey({ name: VALIDATION, kind: 'VALIDATION' }),
      children: [],
    };
  return {
    name: 'synthesis',
    queue: QUEUE_NAME,
    key: stepKey({ name: SYNTHESIS, kind: 'SYNTHESIS' }),
    children: next.agents.map((agent) => ({
      name: 'agent',
      queue: queueOfAgent(agent),
      key: stepKey({ name: agent, kind: 'AGENT' }),
      agent,
      children: [],
    })),
  };
}

/** Every job a run may have, by step: what a cancel removes when it has not started. */
export function allJobs(agents: readonly string[]): Array<{ queue: string; key: string }> {
  return planSteps(agents).map((s) => ({
    queue: s.kind === 'AGENT' ? queueOfAgent(s.name) : QUEUE_NAME,
    key: stepKey(s),
  }));
}

/** Synthesis may start: the run is not over, and every agent has finished. */
export function synthesisReady(run: RunState): boolean {
  return !TERMINAL.has(run.status) && unfinishedAgents(run.steps).length === 0;
}

/** Steps a run that ends now leaves unfinished (a cancel, a failed validation): they become SKIPPED. */
export function stepsToSkip(steps: readonly StepState[], except?: string): string[] {
  return steps.filter((s) => s.name !== except && !STEP_DONE.has(s.status)).map((s) => s.name);
}

/** What a retry runs again: every step that did not succeed (CONTRACT: retryAssessment). */
export function stepsToRetry(steps: readonly StepState[]): string[] {
  return steps.filter((s) => s.status !== 'SUCCEEDED').map((s) => s.name);
}

/** Only a FAILED run may be retried. */
export function retryable(status: AssessmentStatus): boolean {
  return status === 'FAILED';
}

/** Only a run that is not over may be cancelled. */
export function cancellable(status: AssessmentStatus): boolean {
  return status === 'QUEUED' || status === 'RUNNING';
}

/** The share of the run's steps that have finished, 0..1. */
export function progressOf(steps: readonly StepState[]): number {
  return steps.length ? steps.filter((s) => STEP_DONE.has(s.status)).length / steps.length : 0;
}
