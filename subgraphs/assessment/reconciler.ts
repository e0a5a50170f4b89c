import type { Db } from 'mongodb';
import type { Logger } from '../../shared/logger';
import type { RunQueue } from './queue';
import { RunRecovery } from './repository';

export interface ReconcilerOptions {
  db: Db;
  queue: RunQueue;
  log: Logger;
  /** How often to look. */
  intervalMs: number;
  /** Runs untouched for this long are (re-)enqueued. */
  afterMs: number;
}

/**
 * Re-enqueues QUEUED or RUNNING runs that have made no progress for a while: a crash or a Redis
 * outage between the MongoDB write and the enqueue, jobs lost from Redis, or a step (synthesis
 * included) whose job ended without moving the run on. Enqueuing is
 * idempotent (deterministic job ids, steps that skip recorded work), so looking twice is harmless.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private readonly recovery: RunRecovery;

  constructor(private readonly opts: ReconcilerOptions) {
    this.recovery = new RunRecovery(opts.db);
  }

  /** One pass; resolves with how many runs were enqueued. */
  pass(): Promise<number> {
    this.running ??= (async () => {
      let n = 0;
      try {
        for (const r of await this.recovery.stale(new Date(Date.now() - this.opts.afterMs))) {
          const data = { tenantId: r.tenantId.toHexString(), assessmentId: r.id.toHexString(), run: r.run };
          // Past validation, the agents → synthesis flow is what drives the run on (its jobs may be
          // gone or done while the run is not): ensure it directly rather than through validation.
          if (r.validated) await this.opts.queue.ensureAgentsFlow(data, r.agents);
          else await this.opts.queue.enqueue(data);
          n++;
        }
        if (n) this.opts.log.info({ enqueued: n }, 'reconciler re-enqueued stale runs');
      } catch (err) {
        this.opts.log.warn({ err: (err as Error).message }, 'reconciler pass failed; will try again');
      } finally {
        this.running = null;
      }
      return n;
    })();
    return this.running;
  }

  start(): void {
    void this.pass();
    this.timer = setInterval(() => void this.pass(), this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
