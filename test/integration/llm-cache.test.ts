import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createLogger } from '../../shared/logger';
import { LlmCache } from '../../subgraphs/assessment/agents/llm-cache';
import { llmAgents } from '../../subgraphs/assessment/agents/llm-agents';
import { LlmAnswerError } from '../../subgraphs/assessment/agents/llm-client';
import type { AgentInput } from '../../subgraphs/assessment/agents/types';
import { FakeLlm } from '../support/fake-llm';
import { holdRefusedPort } from '../support/refused-port';
import { REAL_REDIS_URL } from '../support/runs';

/** LLM answers cached in real Redis, in front of a local chat-completions server. */
let llm: FakeLlm;
let redis: Redis;
const prefix = `hgtest-${randomBytes(4).toString('hex')}`;
const log = createLogger('test', 'silent');
beforeAll(async () => {
  llm = await FakeLlm.start();
  redis = new Redis(REAL_REDIS_URL);
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await llm.close();
});
beforeEach(() => {
  llm.behaviour = {};
});

const input = (resume: string): AgentInput =>
  ({
    candidate: { headline: 'Engineer', skills: ['go'], yearsExperience: 5, resumeText: resume },
    job: {
      title: 'Backend',
      description: 'Go services',
      requiredSkills: ['go'],
      niceToHaveSkills: [],
      minYearsExperience: 3,
    },
  }) as unknown as AgentInput;

function setUp(model = 'model-a', ttl = 60) {
  const registry = new Registry();
  const cache = new LlmCache({ redis, prefix, ttlSeconds: ttl, registry, log });
  const agent = llmAgents({ baseUrl: llm.url, model, timeoutMs: 2000, backoffMs: 5 }, cache).find(
    (a) => a.name === 'llm-technical',
  )!;
  const lookups = async () =>
    Object.fromEntries(
      (await registry.getSingleMetric('hiregraph_llm_cache_lookups_total')!.get()).values.map((v) => [
        String(v.labels.result),
        v.value,
      ]),
    );
  return { cache, agent, lookups };
}
const calls = () => llm.received.filter((c) => c.agent === 'technical').length;
const signal = () => new AbortController().signal;
const TENANT_A = '65f000000000000000000001';
const TENANT_B = '65f000000000000000000002';

test('the same agent, model and input is answered from the cache, with a TTL', async () => {
  const { agent, lookups } = setUp();
  const before = calls();
  const first = await agent.run(input('resume one'), signal(), TENANT_A);
  const second = await agent.run(input('resume one'), signal(), TENANT_A);
  expect(second).toEqual(first);
  expect(calls() - before).toBe(1);
  expect(await lookups()).toEqual({ miss: 1, hit: 1 });
  const [key] = await redis.keys(`${prefix}:llm-cache:${TENANT_A}:llm-technical:v1:model-a:*`);
  const ttl = await redis.ttl(key!);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(60);
});

test('a changed resume, another model or another rubric version misses', async () => {
  const a = setUp();
  const before = calls();
  await a.agent.run(input('resume two'), signal(), TENANT_A);
  await a.agent.run(input('resume two, edited'), signal(), TENANT_A);
  await setUp('model-b').agent.run(input('resume two'), signal(), TENANT_A);
  expect(calls() - before).toBe(3);
  const k = { tenantId: TENANT_A, agent: 'llm-technical', rubricVersion: 1, model: 'model-a', system: 's', user: 'u' };
  expect(a.cache.keyOf({ ...k, rubricVersion: 2 })).not.toBe(a.cache.keyOf(k));
  expect(a.cache.keyOf({ ...k, tenantId: TENANT_B })).not.toBe(a.cache.keyOf(k));
});

test("another tenant's identical request misses: answers are never shared across tenants", async () => {
  const { agent, lookups } = setUp();
  const before = calls();
  await agent.run(input('resume five'), signal(), TENANT_A);
  await agent.run(input('resume five'), signal(), TENANT_B);
  expect(calls() - before).toBe(2);
  await agent.run(input('resume five'), signal(), TENANT_B);
  expect(calls() - before).toBe(2);
  expect(await lookups()).toEqual({ miss: 2, hit: 1 });
});

test('an unusable answer is not cached: the next run asks again', async () => {
  const { agent, lookups } = setUp();
  llm.behaviour = { technical: 'garbage' };
  await expect(agent.run(input('resume three'), signal(), TENANT_A)).rejects.toThrow(LlmAnswerError);
  llm.behaviour = {};
  const before = calls();
  await agent.run(input('resume three'), signal(), TENANT_A);
  expect(calls() - before).toBe(1);
  expect(await lookups()).toEqual({ miss: 2 });
});

test('with Redis unreachable the agent still answers, from the LLM', async () => {
  const refused = await holdRefusedPort();
  const down = new Redis({
    host: refused.host,
    port: refused.port,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  });
  down.on('error', () => undefined);
  const cache = new LlmCache({ redis: down, prefix, ttlSeconds: 60, registry: new Registry(), log });
  const agent = llmAgents({ baseUrl: llm.url, model: 'model-a', timeoutMs: 2000 }, cache).find(
    (a) => a.name === 'llm-technical',
  )!;
  const before = calls();
  expect((await agent.run(input('resume four'), signal(), TENANT_A)).score).toBe(72);
  expect(calls() - before).toBe(1);
  down.disconnect();
  await refused.close();
});
