import { UnrecoverableError, type Job } from 'bullmq';
import { ObjectId, type Db } from 'mongodb';
import type { ServiceTokens } from '../../../shared/auth';
import type { EntityClient } from '../../../shared/graphql/entity-client';
import type { Logger } from '../../../shared/logger';
import type { Agent } from '../agents/types';
import type { EventRelay } from '../events/relay';
import {
  JOB_NAMES,
  nextStage,
  STEP_DONE,
  stepsToSkip,
  SYNTHESIS,
  TERMINAL,
  unfinishedAgents,
  VALIDATION,
} from './plan';
import { isLastAttempt } from './retries';
import type { KnownRuns } from './known-runs';
import { runSignal, type CancelChecks } from './run-signal';
import { readInput } from './validation-input';
import type { AssessmentDoc, Change } from '../store/model';
import type { RunJobData, RunQueue } from './queue';
import { AssessmentRepository } from '../store/repository';
import { synthesize } from './synthesis';

export interface StepDeps {
  db: Db;
  queue: RunQueue;
  /** Appends each recorded change's events to the tenant stream. Required. */
  relay: EventRelay;
  agents: Map<string, Agent>;
  /** The candidate and job subgraphs, read through `_entities` (this subgraph never reads their collections). */
  owners: { candidate: EntityClient; job: EntityClient };
  /** The worker's own tenant tokens for those reads. */
  tokens: ServiceTokens;
  log: Logger;
  /** Aborted when the worker shuts down, so long agent calls stop. */
  signal: AbortSignal;
  /** Where a running agent learns that its run was cancelled, to abort its call (every CANCEL_CHECK_MS). */
  checks: CancelChecks;
  /** This process's last checkpoint of each run, and its checkpoints of a run one at a time. */
  known: KnownRuns;
  /** Counts runs this worker ended, by COMPLETED or FAILED. */
  runEnded?: (status: 'COMPLETED' | 'FAILED') => void;
}

/** Thrown when synthesis is delivered before every agent finished; BullMQ retries it later. */
class NotReady extends Error {}

function step(doc: AssessmentDoc, name: string) {
  const s = doc.steps.find((x) => x.name === name);
  // A run's steps never change names: a job for a step it lacks can never succeed.
  if (!s) throw new UnrecoverableError(`assessment ${doc._id.toHexString()} has no step ${name}`);
  return s;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Every remaining step of a run that ends early becomes SKIPPED. */
function skipRest(doc: AssessmentDoc, except: string): Change['steps'] {
  return Object.fromEntries(stepsToSkip(doc.steps, except).map((name) => [name, { status: 'SKIPPED' as const }]));
}

/**
 * Runs one job of a run. Every step decides on MongoDB's state: a run that ended or a step already
 * recorded is skipped, so re-delivered jobs (stalls, crashes, retries) never redo finished work. A
 * skip is decided on a fresh read; a write lands only on the version it was decided on (KnownRuns,
 * AssessmentRepository.transition), so deciding on this worker's last checkpoint costs no read.
 */
export async function processRunJob(job: Job<RunJobData>, deps: StepDeps): Promise<void> {
  const { tenantId, assessmentId } = job.data;
  // A job no worker could ever process fails once, not once per attempt.
  if (!JOB_NAMES.has(job.name) || (job.name === 'agent' && !job.data.agent))
    throw new UnrecoverableError(`unknown job ${job.name}${job.name === 'agent' ? ' without an agent' : ''}`);
  const repo = new AssessmentRepository(deps.db, new ObjectId(tenantId));
  const id = new ObjectId(assessmentId);
  const log = deps.log.child({
    tenantId,
    assessmentId,
    requestId: job.data.requestId,
    jobId: job.id,
    step: job.data.agent ?? job.name,
  });
  const record = async (decide: (doc: AssessmentDoc) => Change | null) => {
    const out = await deps.known.transition(repo, id, decide);
    if (out?.events.length) await deps.relay.publish(out.doc, out.events, () => repo.eventLog(id));
    for (const e of (out?.events ?? []) as Array<{ type?: string }>)
      if (e.type === 'COMPLETED' || e.type === 'FAILED') deps.runEnded?.(e.type);
    return out;
  };
  const started = Date.now();
  if (job.name === 'validation') await validate(job, record, deps, log);
  else if (job.name === 'agent') await runAgent(job, record, repo, deps, log);
  else await synthesis(record, deps);
  // One line per processed job, carrying the request id (and trace id) of the call that started the run.
  log.info({ attempt: job.attemptsMade + 1, ms: Date.now() - started }, 'job processed');
}

type Recorder = (
  decide: (doc: AssessmentDoc) => Change | null,
) => Promise<{ doc: AssessmentDoc; events: unknown[] } | null>;

async function validate(job: Job<RunJobData>, record: Recorder, deps: StepDeps, log: Logger): Promise<void> {
  const now = new Date();
  const started = await record((doc) => {
    if (TERMINAL.has(doc.status) || doc.run !== job.data.run) return null;
    const change: Change = { events: [] };
    if (doc.status === 'QUEUED')
      change.events.push({ type: 'STARTED', set: { status: 'RUNNING', startedAt: doc.startedAt ?? now } });
    const v = step(doc, VALIDATION);
    if (v.status !== 'SUCCEEDED') {
      change.events.push({
        type: 'STEP_STARTED',
        step: VALIDATION,
        steps: { [VALIDATION]: { status: 'RUNNING', attempts: v.attempts + 1, startedAt: now, error: null } },
      });
    }
    return change.events.length ? change : null;
  });
  const doc = started?.doc;
  if (!doc || TERMINAL.has(doc.status) || doc.run !== job.data.run) return;
  if (step(doc, VALIDATION).status !== 'SUCCEEDED') {
    // Re-checked from the owners when it runs (the job may have closed since the run started).
    const checked = await readInput(job.data, doc, deps, log);
    if ('problem' in checked) {
      const { problem } = checked;
      log.info({ problem }, 'validation failed');
      await record((d) =>
        TERMINAL.has(d.status)
          ? null
          : {
              events: [
                {
                  type: 'STEP_FAILED',
                  step: VALIDATION,
                  steps: { [VALIDATION]: { status: 'FAILED', finishedAt: new Date(), error: problem } },
                },
                {
                  type: 'FAILED',
                  set: { status: 'FAILED', error: `validation failed: ${problem}`, completedAt: new Date() },
                  steps: skipRest(d, VALIDATION),
                },
              ],
            },
      );
      return;
    }
    const { input } = checked;
    const done = await record((d) =>
      TERMINAL.has(d.status) || step(d, VALIDATION).status !== 'RUNNING'
        ? null
        : {
            set: { input },
            steps: {
              [VALIDATION]: { status: 'SUCCEEDED', finishedAt: new Date(), findings: ['candidate and job checked'] },
            },
            events: [{ type: 'STEP_SUCCEEDED', step: VALIDATION }],
          },
    );
    if (!done || TERMINAL.has(done.doc.status)) return;
    return deps.queue.drive(job.data, nextStage(done.doc));
  }
  // What comes after validation is the plan's to say (the unfinished agents, then synthesis).
  await deps.queue.drive(job.data, nextStage(doc));
}

async function runAgent(
  job: Job<RunJobData>,
  record: Recorder,
  repo: AssessmentRepository,
  deps: StepDeps,
  log: Logger,
): Promise<void> {
  const name = job.data.agent!;
  const agent = deps.agents.get(name);
  const started = await record((doc) => {
    if (TERMINAL.has(doc.status) || doc.run !== job.data.run) return null;
    const s = step(doc, name);
    if (STEP_DONE.has(s.status)) return null;
    return {
      steps: { [name]: { status: 'RUNNING', attempts: s.attempts + 1, startedAt: new Date(), error: null } },
      events: [{ type: 'STEP_STARTED', step: name }],
    };
  });
  if (!started?.events.length) return;
  const input = started.doc.input;
  const run = runSignal(repo, started.doc._id, deps);
  try {
    if (!agent) throw new UnrecoverableError(`agent ${name} is not available on this worker (is LLM_BASE_URL set?)`);
    if (!input) throw new Error('the run has no validated input');
    const result = await agent.run(input, run.signal, job.data.tenantId);
    await record((doc) =>
      TERMINAL.has(doc.status) || step(doc, name).status !== 'RUNNING'
        ? null
        : {
            steps: {
              [name]: {
                status: 'SUCCEEDED',
                finishedAt: new Date(),
                score: result.score,
                findings: result.findings,
                error: null,
              },
            },
            events: [{ type: 'STEP_SUCCEEDED', step: name }],
          },
    );
  } catch (err) {
    if (deps.signal.aborted) throw err;
    // Cancelled while it ran: cancel already marked the step SKIPPED; nothing to record or retry.
    if (run.cancelled()) return void log.info('agent call aborted: the run was cancelled');
    const last = isLastAttempt(job, err);
    // The whole error (an LLM error's providerBody included) for operators; the step keeps its message.
    log.warn({ err, attempt: job.attemptsMade + 1, last }, 'agent attempt failed');
    await record((doc) =>
      TERMINAL.has(doc.status) || step(doc, name).status !== 'RUNNING'
        ? null
        : {
            steps: {
              [name]: last
                ? { status: 'FAILED', finishedAt: new Date(), error: errorText(err) }
                : { status: 'PENDING', error: errorText(err) },
            },
            events: [{ type: last ? 'STEP_FAILED' : 'STEP_RETRYING', step: name }],
          },
    );
    // Not the last attempt: BullMQ retries with backoff. The last one completes the job so synthesis
    // runs; a job that can never succeed fails without retries (synthesis ignores that failure).
    if (err instanceof UnrecoverableError || !last) throw err;
  } finally {
    run.stop();
  }
}

/**
 * Synthesis is a step like the others: STEP_STARTED (RUNNING, one more attempt) is recorded on its
 * own, then the outcome, so a subscriber sees it running and a crash in between is retried.
 */
async function synthesis(record: Recorder, deps: StepDeps): Promise<void> {
  const started = await record((doc) => {
    if (TERMINAL.has(doc.status) || STEP_DONE.has(step(doc, SYNTHESIS).status)) return null;
    const pending = unfinishedAgents(doc.steps);
    if (pending.length) throw new NotReady(`agents still running: ${pending.join(', ')}`);
    const s = step(doc, SYNTHESIS);
    return {
      events: [
        {
          type: 'STEP_STARTED',
          step: SYNTHESIS,
          steps: { [SYNTHESIS]: { status: 'RUNNING', attempts: s.attempts + 1, startedAt: new Date(), error: null } },
        },
      ],
    };
  });
  if (!started?.events.length) return;
  await record((doc) => {
    if (TERMINAL.has(doc.status) || step(doc, SYNTHESIS).status !== 'RUNNING') return null;
    const now = new Date();
    const result = synthesize(doc.steps, deps.agents);
    if (!result.ok) {
      return {
        events: [
          {
            type: 'STEP_FAILED',
            step: SYNTHESIS,
            steps: { [SYNTHESIS]: { status: 'FAILED', finishedAt: now, error: result.error } },
          },
          { type: 'FAILED', set: { status: 'FAILED', error: result.error, completedAt: now } },
        ],
      };
    }
    return {
      events: [
        {
          type: 'STEP_SUCCEEDED',
          step: SYNTHESIS,
          steps: {
            [SYNTHESIS]: { status: 'SUCCEEDED', finishedAt: now, score: result.score, findings: result.findings },
          },
        },
        {
          type: 'COMPLETED',
          set: {
            status: 'COMPLETED',
            score: result.score,
            recommendation: result.recommendation,
            summary: result.summary,
            completedAt: now,
          },
        },
      ],
    };
  });
}
