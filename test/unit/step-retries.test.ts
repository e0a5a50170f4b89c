import { UnrecoverableError } from 'bullmq';
import { LlmAnswerError, LlmCallError } from '../../subgraphs/assessment/agents/llm-client';
import { isLastAttempt, stepBackoff, worthRetrying } from '../../subgraphs/assessment/engine/retries';

/** Retries of a run's steps are BullMQ's attempts; this is what decides them. */
const job = (attemptsMade: number, attempts = 3) => ({ attemptsMade, opts: { attempts } });

test('timeouts, 429, 5xx and malformed answers are worth another attempt; refusals and unknown jobs are not', () => {
  expect(worthRetrying(new LlmCallError('the LLM endpoint failed: HTTP 500', { retryable: true }))).toBe(true);
  expect(worthRetrying(new LlmAnswerError('expected a JSON object'))).toBe(true);
  expect(worthRetrying(new Error('the owners did not answer'))).toBe(true);
  expect(worthRetrying(new LlmCallError('refused: HTTP 401', { retryable: false }))).toBe(false);
  expect(worthRetrying(new UnrecoverableError('agent x is not available on this worker'))).toBe(false);
});

test('an attempt is the last when the attempts are used up, or when no other could succeed', () => {
  const answer = new LlmAnswerError('expected a JSON object');
  expect([0, 1, 2].map((made) => isLastAttempt(job(made), answer))).toEqual([false, false, true]);
  expect(isLastAttempt(job(0, 1), answer)).toBe(true);
  expect(isLastAttempt(job(0), new LlmCallError('refused: HTTP 403', { retryable: false }))).toBe(true);
});

test('backoff doubles per attempt, jittered down to half at most, unless a 429 said how long to wait', () => {
  expect([1, 2, 3].map((n) => stepBackoff(n, 100, new Error('x'), () => 0.999999))).toEqual([99, 199, 399]);
  expect([1, 2, 3].map((n) => stepBackoff(n, 100, new Error('x'), () => 0))).toEqual([50, 100, 200]);
  expect(stepBackoff(3, 100, new LlmCallError('HTTP 429', { retryable: true, retryAfterMs: 10 }))).toBe(10);
});
