import type { ObjectId } from 'mongodb';
import type { AssessmentRepository } from '../store/repository';
import { TERMINAL } from './plan';

/**
 * A signal that aborts on worker shutdown or once the run is over (cancelled) while the agent runs,
 * checked every `cancelCheckMs` with a one-field read; stop() ends the checks.
 */
export function runSignal(
  repo: AssessmentRepository,
  id: ObjectId,
  deps: { signal: AbortSignal; cancelCheckMs: number },
): { signal: AbortSignal; cancelled: () => boolean; stop: () => void } {
  const ctl = new AbortController();
  let cancelled = false;
  const onShutdown = () => ctl.abort(deps.signal.reason);
  deps.signal.addEventListener('abort', onShutdown, { once: true });
  const timer = setInterval(() => {
    repo.statusOf(id).then(
      (status) => {
        if (status !== null && !TERMINAL.has(status)) return;
        cancelled = true;
        ctl.abort(new Error(`the run is ${status ?? 'gone'}`));
      },
      () => undefined,
    );
  }, deps.cancelCheckMs);
  timer.unref();
  return {
    signal: ctl.signal,
    cancelled: () => cancelled,
    stop: () => {
      clearInterval(timer);
      deps.signal.removeEventListener('abort', onShutdown);
    },
  };
}
