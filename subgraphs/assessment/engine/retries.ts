import { UnrecoverableError, type BackoffStrategy } from 'bullmq';
import { LlmCallError } from '../agents/llm-client';

/**
 * Retries of a run's steps are counted in one place: BullMQ's attempts per job (STEP_ATTEMPTS,
 * backing off exponentially from STEP_BACKOFF_MS, or as long as a 429 asked). Nothing under a step
 * retries on its own: an LLM agent makes LLM_CALLS_PER_ATTEMPT call per attempt, so a step makes at
 * most STEP_ATTEMPTS calls (it used to be 3 calls inside each of 3 attempts).
 */
export const LLM_CALLS_PER_ATTEMPT = 1;

/**
 * Whether another attempt could succeed. Not after an UnrecoverableError (unknown job or agent)
 * or a refusal (401, 403, 404, other 4xx): the same request is refused again. Timeouts, 429, 5xx
 * and malformed answers (CONTRACT: a failed attempt) are worth another attempt.
 */
export function worthRetrying(err: unknown): boolean {
  if (err instanceof UnrecoverableError) return false;
  return !(err instanceof LlmCallError) || err.retryable;
}

/** This failed attempt is the step's last: the attempts are used up, or none could succeed. */
export function isLastAttempt(job: { attemptsMade: number; opts: { attempts?: number } }, err: unknown): boolean {
  return !worthRetrying(err) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/** BullMQ backoff type of every step job; the worker registers stepBackoff under it. */
export const STEP_BACKOFF = 'step';

/**
 * Delay before a step's next attempt: what a 429 asked for (retry-after, capped by the client),
 * else STEP_BACKOFF_MS doubled per attempt, jittered down to half: BullMQ's exponential backoff
 * with jitter 0.5, which step jobs used before.
 */
export function stepBackoff(attemptsMade: number, baseMs: number, err: unknown, random = Math.random): number {
  if (err instanceof LlmCallError && err.retryAfterMs !== undefined) return err.retryAfterMs;
  const max = Math.round(baseMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.floor(max * (0.5 + 0.5 * random()));
}

/** The worker's backoff for step jobs: stepBackoff from the job's own delay (else `defaultMs`). */
export function stepBackoffStrategy(defaultMs: number): BackoffStrategy {
  return (attemptsMade, _type, err, job) => {
    const backoff = job?.opts.backoff;
    const delay = typeof backoff === 'object' && backoff.delay !== undefined ? backoff.delay : defaultMs;
    return stepBackoff(attemptsMade, delay, err);
  };
}
