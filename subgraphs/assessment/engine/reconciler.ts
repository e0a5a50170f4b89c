import type { Db } from 'mongodb';
import type { Logger } from '../../../shared/logger';
import { nextStage } from './plan';
import type { EventPublisher } from '../events/event-publisher';
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
  /** When set, each pass also re-publishes events the tenant streams lack of recently changed runs. */
  publisher?: EventPublisher;
}

/** How far back the stream healer looks: runs changed within this long (and at least a second ago). */
const HEAL_WINDOW_MS = 120_000;

/**
 * Re-enqueues QUEUED or RUNNING runs that have made no progress for a while: a crash or a Redis
 * outage between the MongoDB write and the enqueue, jobs lost from Redis, or a step (synthesis
 * included) whose job ended without moving the run on. Enqueuing is
 * idempotent (deterministic job ids, steps that skip recorded work), so looking twice is harmless.
 *
 * It also heals the tenant event streams: an event whose publish failed (Redis away, or the
 * process gone right after recording it) is normally re-published with the assessment's next
 * event, but a run's last events have no next one. Runs changed in the last two minutes whose
 * stream record is behind MongoDB get their missing events published, in order.
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
        const healed = await this.heal();
        if (healed) this.opts.log.info({ assessments: healed }, 'reconciler re-published events the streams lacked');
      } catch (err) {
        this.opts.log.warn({ err }, 'reconciler pass failed; will try again');
      } finally {
        this.running = null;
      }
      return n;
    })();
    return this.running;
  }

  /** Publishes what the streams lack of recently changed runs; resolves with how many runs needed it. */
  private async heal(): Promise<number> {
    const publisher = this.opts.publisher;
    if (!publisher) return 0;
    const now = Date.now();
    const changed = await this.recovery.changedBetween(new Date(now - HEAL_WINDOW_MS), new Date(now - 1000));
    const published = await publisher.publishedSeqs(changed.map((c) => c.id.toHexString()));
    const behind = changed
      .map((c, i) => ({ id: c.id, eventSeq: c.eventSeq, from: published[i]! }))
      .filter((c) => c.from < c.eventSeq);
    if (!behind.length) return 0;
    const from = new Map(behind.map((b) => [b.id.toHexString(), b.from]));
    for (const doc of await this.recovery.full(behind.map((b) => b.id))) {
      const seq = from.get(doc._id.toHexString()) ?? 0;
      await publisher.publish(
        doc,
        doc.events.filter((e) => e.seq > seq),
      );
    }
    return behind.length;
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
