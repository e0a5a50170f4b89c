import pino from 'pino';
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

const SECRET = 'sk-live-0d1e2f3a4b5c6d7eSECRET';
const { err: serializeErr } = pino.stdSerializers;

test("a refusal's body is not in the message (which becomes the step's error), only its status; the log keeps it", async () => {
  llm.behaviour = { refused: 'error401' };
  llm.errorText = `Incorrect API key provided: ${SECRET}`;
  const err = (await ask('refused').catch((e: unknown) => e)) as LlmCallError;
  expect(err).toBeInstanceOf(LlmCallError);
  expect(err.message).toMatch(/HTTP 401/);
  expect(err.message).not.toContain(SECRET);
  expect(callsOf('refused')).toBe(1);
  // What the worker logs with pino's { err }: the body, for operators only.
  expect(JSON.stringify(serializeErr(err))).toContain(SECRET);
});

test('a body that is not JSON, or content that is not JSON, is not copied into the message either', async () => {
  llm.errorText = `<html>proxy error token=${SECRET}</html>`;
  llm.behaviour = { proxied: 'notJson' };
  const page = (await ask('proxied').catch((e: unknown) => e)) as LlmAnswerError;
  expect(page).toBeInstanceOf(LlmAnswerError);
  expect(page.message).toMatch(/expected a chat-completions JSON response/);
  expect(page.message).not.toContain(SECRET);
  llm.behaviour = { chatty2: 'garbage' };
  const chatty = (await ask('chatty2').catch((e: unknown) => e)) as LlmAnswerError;
  expect(chatty.message).toMatch(/expected the model to answer with a JSON object/);
  expect(chatty.message).not.toMatch(/great/);
});
