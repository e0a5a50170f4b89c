import { FlowProducer, Queue, type JobsOptions, type Telemetry } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../../../shared/config';
import { queueTelemetry } from '../../../shared/tracing/queue';
import { withTimeout } from '../../../shared/timeout';
import { STEP_BACKOFF } from './retries';
import { allJobs, jobsOf, LLM_QUEUE_NAME, QUEUE_NAME, type JobSpec, type Next } from './plan';

export { LLM_QUEUE_NAME, QUEUE_NAME, queueOfAgent } from './plan';
/** Every queue a run's steps go to. */
export const RUN_QUEUES = [QUEUE_NAME, LLM_QUEUE_NAME] as const;

/** Each plan's weight in the scheduling priority: an ENTERPRISE tenant gets four times a FREE one's share. */
export const PLAN_WEIGHT: Record<string, number> = { ENTERPRISE: 1, TEAM: 2, FREE: 4 };
/** BullMQ's largest priority. */
const MAX_PRIORITY = 2 ** 21;

/**
 * A run's scheduling priority (lower runs first; BullMQ is FIFO among equals): its place in its
 * tenant's line (1 + the tenant's runs already QUEUED or RUNNING) times its plan's weight. One
 * tenant's burst of runs takes priorities 1, 2, 3…, so another tenant's next run (priority 1 to 4)
 * goes ahead of all but the burst's first: weighted fair queueing between tenants, on BullMQ's
 * open-source priorities.
 */
export function runPriority(plan: string | undefined, activeRuns: number): number {
  return Math.min(MAX_PRIORITY, (activeRuns + 1) * (PLAN_WEIGHT[plan ?? ''] ?? PLAN_WEIGHT.FREE!));
}

/** What every job of a run carries; the rest is read from MongoDB. */
export interface RunJobData {
  tenantId: string;
  assessmentId: string;
  run: number;
  requestId?: string;
  agent?: string;
  /** Scheduling priority of every job of the run (runPriority); absent for runs enqueued before it existed. */
  priority?: number;
}

/** Job ids derive from the assessment, the run number and the step, so enqueuing twice adds nothing. */
export function jobId(assessmentId: string, run: number, step: string): string {
  return `${assessmentId}.r${run}.${step}`;
}

export interface RunQueueOptions {
  /** Redis connection (a producer connection on the API side, a worker one in workers). */
  connection: Redis;
  /** BullMQ key prefix. */
  prefix: string;
  /** Attempts per step job. */
  attempts: number;
  /** First retry delay in ms; doubles per attempt, with jitter (engine/retries.ts). */
  backoffMs: number;
  /** Carries trace context into jobs (see queueTelemetry). Default: none. */
  telemetry?: Telemetry;
}

/** The run queue as configured: attempts, backoff, prefix and, when tracing is on, trace propagation. */
export function runQueueOptions(config: Config, connection: Redis): RunQueueOptions {
  return {
    connection,
    prefix: config.QUEUE_PREFIX,
    attempts: config.STEP_ATTEMPTS,
    backoffMs: config.STEP_BACKOFF_MS,
    telemetry: queueTelemetry(Boolean(config.OTEL_EXPORTER_OTLP_ENDPOINT)),
  };
}

/** Puts a run's jobs in BullMQ as its plan says (engine/plan.ts): the queue knows no step order. */
export class RunQueue {
  readonly queue: Queue;
  readonly llm: Queue;
  private readonly flows: FlowProducer;
  private readonly jobOpts: JobsOptions;
  /** The BullMQ objects whose wait for the connection is over, which alone close() may close. */
  private readonly settled = new Set<Queue | FlowProducer>();

  constructor(private readonly opts: RunQueueOptions) {
    this.queue = new Queue(QUEUE_NAME, { connection: opts.connection, prefix: opts.prefix, telemetry: opts.telemetry });
    this.llm = new Queue(LLM_QUEUE_NAME, {
      connection: opts.connection,
      prefix: opts.prefix,
      telemetry: opts.telemetry,
    });
    this.flows = new FlowProducer({ connection: opts.connection, prefix: opts.prefix, telemetry: opts.telemetry });
    this.jobOpts = {
      attempts: opts.attempts,
      // The worker's stepBackoffStrategy: exponential with jitter, or what a 429 asked for.
      backoff: { type: STEP_BACKOFF, delay: opts.backoffMs },
      // MongoDB is the record; jobs are disposable once done.
      removeOnComplete: { age: 3600, count: 5000 },
      removeOnFail: { age: 24 * 3600 },
    };
    for (const b of [this.queue, this.llm, this.flows]) {
      const settle = () => void this.settled.add(b);
      void b.waitUntilReady().then(settle, settle);
    }
  }

  private queueNamed(name: string): Queue {
    return name === LLM_QUEUE_NAME ? this.llm : this.queue;
  }

  /** Fails at once when Redis is not connected, so a caller on the request path never waits for it. */
  private assertConnected(): void {
    if (this.opts.connection.status !== 'ready')
      throw new Error(`Redis is not connected (${this.opts.connection.status})`);
  }

  /** Adds the jobs of a run's next stage (nextStage); nothing for a run that is over. */
  async drive(data: RunJobData, next: Next): Promise<void> {
    if (!next) return;
    if (next.stage === 'validation') {
      this.assertConnected();
      await withTimeout(this.addSingle(data, jobsOf(next)), 5000, 'enqueue');
    } else await this.ensureFlow(data, jobsOf(next));
  }

  /**
   * Adds a job without children (validation), or retries it if a previous delivery failed
   * outright. A job already completed for a run that still asks for it (the reconciler found it
   * stuck) is replaced, so a deterministic job id never leaves a run without a job.
   */
  private async addSingle(data: RunJobData, spec: JobSpec): Promise<void> {
    const queue = this.queueNamed(spec.queue);
    const id = jobId(data.assessmentId, data.run, spec.key);
    const existing = await queue.getJob(id);
    if (existing) {
      const state = await existing.getState();
      if (state === 'failed') return void (await existing.retry('failed'));
      if (state !== 'completed') return;
      await existing.remove();
    }
    await queue.add(spec.name, data, { ...this.jobOpts, ...priorityOf(data), jobId: id });
  }

  /**
   * Adds children (in parallel) → parent (agents → synthesis) for a run, unless that flow exists.
   * A child that fails outright does not block the parent (ignoreDependencyOnFailure), so no run
   * waits forever. A failed parent is replaced, and so is a completed one: this is only asked
   * for a run that is not over (validation, or the reconciler driving a stuck run on).
   */
  private async ensureFlow(data: RunJobData, spec: JobSpec): Promise<void> {
    const parentId = jobId(data.assessmentId, data.run, spec.key);
    const existing = await this.queueNamed(spec.queue).getJob(parentId);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'failed' && state !== 'completed') return;
      await existing.remove({ removeChildren: true });
    }
    await this.flows.add({
      name: spec.name,
      queueName: spec.queue,
      data,
      opts: { ...this.jobOpts, ...priorityOf(data), jobId: parentId },
      children: spec.children.map((child) => ({
        name: child.name,
        queueName: child.queue,
        data: { ...data, agent: child.agent },
        opts: {
          ...this.jobOpts,
          ...priorityOf(data),
          jobId: jobId(data.assessmentId, data.run, child.key),
          ignoreDependencyOnFailure: true,
        },
      })),
    });
  }

  /** Best effort: removes a run's jobs that have not started (after a cancel). */
  async removeWaiting(assessmentId: string, run: number, agents: string[]): Promise<void> {
    this.assertConnected();
    await Promise.all(
      allJobs(agents).map(async ({ queue, key }) => {
        const job = await this.queueNamed(queue).getJob(jobId(assessmentId, run, key));
        const state = job ? await job.getState() : null;
        if (job && (state === 'waiting' || state === 'delayed' || state === 'prioritized'))
          await job.remove().catch(() => undefined);
      }),
    );
  }

  /**
   * Closes within 5 s even when Redis is away (BullMQ would otherwise wait to connect). A BullMQ
   * object still waiting for the connection to become ready is left open: closing it removes the
   * listeners of its connection wrapper, which reports a failed wait as an 'error' event, so the
   * connection ending later (the owner's closeRedis) would throw that error unhandled. Left open,
   * it forwards the error to its queue, which drops it; closing it would free nothing, as the
   * connection is the owner's.
   */
  async close(): Promise<void> {
    const open = [this.flows, this.queue, this.llm].filter((b) => this.settled.has(b));
    await withTimeout(Promise.allSettled(open.map((b) => b.close())), 5000, 'closing the run queue').catch(() => {
      this.opts.connection.disconnect();
    });
  }
}

/** Deletes every job and key of both run queues under `prefix` (test and benchmark clean-up). */
export async function obliterateQueue(connection: Redis, prefix: string): Promise<void> {
  for (const name of RUN_QUEUES) {
    const q = new Queue(name, { connection, prefix });
    try {
      await q.obliterate({ force: true });
    } finally {
      await q.close();
    }
  }
}

function priorityOf(data: RunJobData): { priority?: number } {
  return data.priority ? { priority: data.priority } : {};
}
