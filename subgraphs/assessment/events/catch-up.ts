import type { AssessmentRepository } from '../store/repository';

/** A per-run subscription as the catch-up sees it. */
export interface Watched {
  repo: AssessmentRepository;
  id: string;
  /** The last seq the subscriber got. */
  last(): number;
  /** When the subscriber last got anything (ms). */
  heardAt(): number;
  /** Makes the subscription read its missing events from MongoDB. */
  nudge(): void;
}

/**
 * Finds per-run subscriptions that are silent while MongoDB has newer events for them (a publish
 * lost while Redis was away; above all a lost terminal event, which no later event would reveal).
 * One query per tenant every `everyMs` covers every silent subscription of this process, instead
 * of a read per subscription, so thousands of idle dashboards cost a handful of queries.
 */
export class CatchUp {
  private readonly watched = new Set<Watched>();
  private readonly timer: NodeJS.Timeout;
  private running = false;

  /** @param everyMs how often, and how long a subscription must be silent to be checked (EVENT_CATCHUP_MS). */
  constructor(private readonly everyMs: number) {
    this.timer = setInterval(() => void this.check(), everyMs);
    this.timer.unref();
  }

  /** Watches a subscription until the returned function is called. */
  watch(w: Watched): () => void {
    this.watched.add(w);
    return () => this.watched.delete(w);
  }

  /** One pass (also for tests): nudges every silent subscription whose run has newer events. */
  async check(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let nudged = 0;
    try {
      const silentSince = Date.now() - this.everyMs;
      const byTenant = new Map<string, Watched[]>();
      for (const w of this.watched) {
        if (w.heardAt() > silentSince) continue;
        const t = w.repo.tenantId.toHexString();
        byTenant.set(t, [...(byTenant.get(t) ?? []), w]);
      }
      for (const group of byTenant.values()) {
        const seqs = await group[0]!.repo.eventSeqs(group.map((w) => w.id)).catch(() => new Map<string, number>());
        for (const w of group) {
          if ((seqs.get(w.id) ?? 0) > w.last()) {
            w.nudge();
            nudged++;
          }
        }
      }
    } finally {
      this.running = false;
    }
    return nudged;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
