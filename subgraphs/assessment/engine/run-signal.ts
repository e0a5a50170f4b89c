import type { ObjectId } from 'mongodb';
import type { AssessmentStatus } from '../store/model';
import type { AssessmentRepository } from '../store/repository';
import { TERMINAL } from './plan';

type Over = (status: AssessmentStatus | null) => void;

/**
 * The cancel checks of one worker process: a one-field read per run every `everyMs` while any of
 * its agents runs here, however many do (a run's LLM agents wait on their calls side by side).
 */
export class CancelChecks {
  private readonly runs = new Map<string, { timer: NodeJS.Timeout; over: Set<Over> }>();

  constructor(private readonly everyMs: number) {}

  /** Calls `over` once a check finds the run over (or gone), until the returned function is called. */
  watch(repo: AssessmentRepository, id: ObjectId, over: Over): () => void {
    const key = `${repo.tenantId.toHexString()}:${id.toHexString()}`;
    let run = this.runs.get(key);
    if (!run) {
      const listeners = new Set<Over>();
      const timer = setInterval(() => {
        repo.statusOf(id).then(
          (status) => {
            if (status !== null && !TERMINAL.has(status)) return;
            for (const l of listeners) l(status);
          },
          () => undefined,
        );
      }, this.everyMs);
      timer.unref();
      run = { timer, over: listeners };
      this.runs.set(key, run);
    }
    const watched = run;
    watched.over.add(over);
    return () => {
      watched.over.delete(over);
      if (watched.over.size || this.runs.get(key) !== watched) return;
      clearInterval(watched.timer);
      this.runs.delete(key);
    };
  }

  /** Runs checked now (for tests). */
  get size(): number {
    return this.runs.size;
  }
}

/**
 * A signal that aborts on worker shutdown or once the run is over (cancelled) while the agent runs,
 * as `checks` finds it; stop() ends this agent's part in the checks.
 */
export function runSignal(
  repo: AssessmentRepository,
  id: ObjectId,
  deps: { signal: AbortSignal; checks: CancelChecks },
): { signal: AbortSignal; cancelled: () => boolean; stop: () => void } {
  const ctl = new AbortController();
  let cancelled = false;
  const onShutdown = () => ctl.abort(deps.signal.reason);
  deps.signal.addEventListener('abort', onShutdown, { once: true });
  const unwatch = deps.checks.watch(repo, id, (status) => {
    cancelled = true;
    ctl.abort(new Error(`the run is ${status ?? 'gone'}`));
  });
  return {
    signal: ctl.signal,
    cancelled: () => cancelled,
    stop: () => {
      unwatch();
      deps.signal.removeEventListener('abort', onShutdown);
    },
  };
}
