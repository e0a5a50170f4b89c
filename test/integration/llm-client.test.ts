import { chatJson, LlmAnswerError, LlmCallError } from '../../subgraphs/assessment/agents/llm-client';
import { FakeLlm } from '../support/fake-llm';

/** The OpenAI-compatible client against a local server: retries, timeouts and answer checks. */
let llm: FakeLlm;
beforeAll(async () => {
  llm = await FakeLlm.start();
});
afterAll(async () => {
  await llm?.close();
});
beforeEach(() => {
  llm.behaviour = {};
  llm.latencyMs = 0;
});

const opts = () => ({ baseUrl: llm.url, model: 'test-model', timeoutMs: 2000, backoffMs: 5 });
const ask = (rubric: string, o = opts()) =>
  chatJson(o, `Rubric (${rubric}): x`, 'candidate', new AbortController().signal);
const callsOf = (agent: string) => llm.received.filter((c) => c.agent === agent).length;

test('a JSON answer comes back parsed', async () => {
  expect(await ask('ok1')).toEqual({ score: 72, findings: ['ok1 looks fine'] });
});

test('429 is retried (honouring retry-after) and then succeeds', async () => {
  llm.behaviour = { rl: 'rateLimitedOnce' };
  expect(await ask('rl')).toMatchObject({ score: 72 });
  expect(callsOf('rl')).toBe(2);
});

test('5xx is retried, then given up with the last status', async () => {
  llm.behaviour = { five: 'error500' };
  await expect(ask('five')).rejects.toThrow(LlmCallError);
  await expect(ask('five')).rejects.toThrow(/failed 3 times; last: HTTP 500/);
  expect(callsOf('five')).toBe(6);
});

test('a timeout is retried like a 5xx', async () => {
  llm.behaviour = { slowpoke: 'slow' };
  llm.slowMs = 400;
  await expect(ask('slowpoke', { ...opts(), timeoutMs: 100 })).rejects.toThrow(/timed out after 100 ms/);
  expect(callsOf('slowpoke')).toBe(3);
});

test('an answer that is not JSON fails at once, without retries', async () => {
  llm.behaviour = { chatty: 'garbage' };
  await expect(ask('chatty')).rejects.toThrow(LlmAnswerError);
  expect(callsOf('chatty')).toBe(1);
});
