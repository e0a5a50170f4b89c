import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../../../shared/logger';
import type { AgentResult } from './types';

/** What identifies one LLM answer: for which tenant, which agent asked, under which rubric, of which model, with exactly what. */
export interface LlmCacheKey {
  /**
   * Answers are never shared across tenants: a hit would serve one tenant an answer another paid
   * for, and its speed would tell that another tenant assessed the same resume for the same job.
   */
  tenantId: string;
  agent: string;
  rubricVersion: number;
  model: string;
  system: string;
  user: string;
}

export interface LlmCacheOptions {
  /** The connection answers are kept with. Required. */
  redis: Redis;
  /** The keys' prefix (QUEUE_PREFIX). Required. */
  prefix: string;
  /** How long an answer is kept (LLM_CACHE_TTL_SECONDS). Required: 0 means no cache, so none is built. */
  ttlSeconds: number;
  /** Where the lookups counter is registered. Required. */
  registry: Registry;
  /** Where Redis trouble is logged. Required. */
  log: Logger;
}

/**
 * LLM agents' answers in Redis, keyed by the tenant, the agent, its rubric version, the model and a
 * SHA-256 of exactly what was sent, kept `ttlSeconds`: a retry or a re-run over an unchanged candidate and job
 * does not pay the LLM again, and any change to what is sent (a new resume, an edited job) misses.
 * Only validated answers are stored. Redis trouble is a miss, never a failed step.
 */
export class LlmCache {
  private readonly lookups: Counter<'agent' | 'result'>;

  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly ttlSeconds: number;
  private readonly log: Logger;

  constructor(opts: LlmCacheOptions) {
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.ttlSeconds = opts.ttlSeconds;
    this.log = opts.log;
    this.lookups = new Counter({
      name: 'hiregraph_llm_cache_lookups_total',
      help: "LLM agents' cache lookups by agent and result (hit, miss)",
      labelNames: ['agent', 'result'] as const,
      registers: [opts.registry],
    });
  }

  keyOf(k: LlmCacheKey): string {
    const sent = createHash('sha256').update(k.system).update('\u0000').update(k.user).digest('hex');
    const tenant = encodeURIComponent(k.tenantId);
    return `${this.prefix}:llm-cache:${tenant}:${k.agent}:v${k.rubricVersion}:${encodeURIComponent(k.model)}:${sent}`;
  }

  /** The cached answer, or `answer()`'s, which is then stored. */
  async through(k: LlmCacheKey, answer: () => Promise<AgentResult>): Promise<AgentResult> {
    const key = this.keyOf(k);
    const hit = await this.redis.get(key).catch((err: unknown) => {
      this.log.warn({ err }, 'LLM cache unreadable; calling the LLM');
      return null;
    });
    if (hit) {
      this.lookups.inc({ agent: k.agent, result: 'hit' });
      return JSON.parse(hit) as AgentResult;
    }
    this.lookups.inc({ agent: k.agent, result: 'miss' });
    const result = await answer();
    await this.redis.set(key, JSON.stringify(result), 'EX', this.ttlSeconds).catch((err: unknown) => {
      this.log.warn({ err }, 'LLM cache unwritable; the answer is not kept');
    });
    return result;
  }
}
