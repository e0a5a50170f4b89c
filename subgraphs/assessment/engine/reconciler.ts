import type { Db } from 'mongodb';
import type { Logger } from '../../../shared/logger';
import { nextStage } from './plan';
import type { EventRelay } from '../events/relay';
import type { RunQueue } from './queue';
import { RunRecovery } from '../store/repository';

export interface ReconcilerOptions {
  db: Db;
  queue: RunQueue;
  log: Logger;
  /** How often to look. */
  intervalMs: number;
  /** Runs untouched for this long are (re-)enqueued. */
  afterMs: number;
  /** When set, each pass also has the relay append what the tenant streams lack of recently changed runs; default none. */
  relay?: EventRelay;
}

/**
 * Re-enqueues QUEUED or RUNNING runs that have made no progress for a while: a crash or a Redis
 * outage between the MongoDB write and the enqueue, jobs lost from Redis, or a step (synthesis
 * included) whose job ended without moving the run on. Enqueuing is
 * idempotent (deterministic job ids, steps that skip recorded work), so looking twice is harmless.
 *
 * Each pass also drives the event relay's catch-up (EventRelay.relayBehind): a run's last events
 * have no next event to carry them into the stream after a failed publish.
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
          const data = {
            tenantId: r.tenantId.toHexString(),
            assessmentId: r.id.toHexString(),
            run: r.run,
            priority: r.priority,
          };
          // The plan says what drives the run on: validation (which starts a QUEUED run), or past
          // it the unfinished agents → synthesis flow (its jobs may be gone or done while the run is not).
          await this.opts.queue.drive(data, nextStage(r.state));
          n++;
        }
        if (n) this.opts.log.info({ enqueued: n }, 'reconciler re-enqueued stale runs');
        const relayed = (await this.opts.relay?.relayBehind(this.recovery)) ?? 0;
        if (relayed) this.opts.log.info({ assessments: relayed }, 'reconciler relayed events the streams lacked');
      } catch (err) {
        this.opts.log.warn({ err }, 'reconciler pass failed; will try again');
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
