import type { Config } from '../../../shared/config';
import { LLM_CALLS_PER_ATTEMPT } from '../engine/retries';
import { experienceAgent } from './experience';
import { keywordsAgent } from './keywords';
import { llmAgents } from './llm-agents';
import type { LlmCache } from './llm-cache';
import { profileAgent } from './profile';
import { skillsAgent } from './skills';
import type { Agent } from './types';

export const BUILT_IN_AGENTS: Agent[] = [skillsAgent, experienceAgent, keywordsAgent, profileAgent];

/** The agents available with this configuration: the built-ins, plus the LLM agents when LLM_BASE_URL is set. */
export function availableAgents(
  config: Pick<Config, 'LLM_BASE_URL' | 'LLM_API_KEY' | 'LLM_MODEL' | 'LLM_TIMEOUT_MS'>,
  /** Where the worker keeps LLM answers; the subgraph, which only lists agents, has none. */
  cache?: LlmCache,
): Agent[] {
  if (!config.LLM_BASE_URL) return BUILT_IN_AGENTS;
  return [
    ...BUILT_IN_AGENTS,
    ...llmAgents(
      {
        baseUrl: config.LLM_BASE_URL,
        apiKey: config.LLM_API_KEY,
        model: config.LLM_MODEL,
        timeoutMs: config.LLM_TIMEOUT_MS,
        tries: LLM_CALLS_PER_ATTEMPT,
      },
      cache,
    ),
  ];
}
