import type { ObjectId } from 'mongodb';
import type { AssessmentDoc, Change } from '../store/model';
import type { AssessmentRepository } from '../store/repository';
import type { Transitioned } from '../store/transition';
import { TERMINAL } from './plan';

interface Known {
  /** The run as this process last read or wrote it; a hint, checked by every write (see transition.ts). */
  doc?: AssessmentDoc;
  /** The end of the chain of this process's transitions of the run. */
  queue: Promise<unknown>;
  /** Transitions waiting or under way. */
  busy: number;
}

/**
 * What one worker process knows of the runs it works on: the document of each as its last
 * checkpoint left it, and one transition at a time per run. Agents of a run that run in parallel
 * here then write one after the other, each on the version the previous one left, instead of
 * reading first and then colliding on the same version; a step's checkpoints after the first
 * need no read at all. Nothing here is trusted: a hint another process made stale costs the
 * same one round trip a read would (the failed compare-and-set answers with the fresh document).
 */
export class KnownRuns {
  private readonly runs = new Map<string, Known>();

  /** @param max runs remembered when no transition of them is under way (oldest forgotten first) */
  constructor(private readonly max = 1000) {}

  transition(
    repo: AssessmentRepository,
    id: ObjectId,
    decide: (doc: AssessmentDoc) => Change | null,
  ): Promise<Transitioned | null> {
    const key = `${repo.tenantId.toHexString()}:${id.toHexString()}`;
    const run = this.runs.get(key) ?? { queue: Promise.resolve(), busy: 0 };
    // Most recently used last, so trimming forgets the runs idle longest.
    this.runs.delete(key);
    this.runs.set(key, run);
    run.busy++;
    const turn = run.queue.then(async () => {
      try {
        const out = await repo.transition(id, decide, run.doc);
        // A run that is over has no next checkpoint here; a retry is a new run read afresh.
        run.doc = out && !TERMINAL.has(out.doc.status) ? out.doc : undefined;
        return out;
      } catch (err) {
        run.doc = undefined;
        throw err;
      } finally {
        run.busy--;
        this.trim(key, run);
      }
    });
    run.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /** Runs remembered (for tests). */
  get size(): number {
    return this.runs.size;
  }

  private trim(key: string, run: Known): void {
    if (!run.busy && !run.doc && this.runs.get(key) === run) this.runs.delete(key);
    for (const [k, r] of this.runs) {
      if (this.runs.size <= this.max) break;
      if (!r.busy) this.runs.delete(k);
    }
  }
}
