import type { LlmCache } from './llm-cache';
import { chatJson, LlmAnswerError, type LlmOptions } from './llm-client';
import { clampScore, type Agent, type AgentInput, type AgentResult } from './types';

const ANSWER = 'Answer with a JSON object only: {"score": <number 0-100>, "findings": [<short strings, at most 6>]}.';

function describe({ candidate, job }: AgentInput): string {
  return JSON.stringify({
    job: {
      title: job.title,
      description: job.description,
      requiredSkills: job.requiredSkills,
      niceToHaveSkills: job.niceToHaveSkills,
      minYearsExperience: job.minYearsExperience,
    },
    candidate: {
      headline: candidate.headline,
      skills: candidate.skills,
      yearsExperience: candidate.yearsExperience,
      resume: candidate.resumeText,
    },
  });
}

/** The model's answer as a result, or LlmAnswerError: never a made-up score. */
export function validateAnswer(answer: unknown): AgentResult {
  const a = answer as { score?: unknown; findings?: unknown };
  if (typeof a !== 'object' || a === null) throw new LlmAnswerError('expected a JSON object');
  if (typeof a.score !== 'number' || !Number.isFinite(a.score) || a.score < 0 || a.score > 100) {
    // The model's own value is shown only when it is a number: a string could be anything it was fed.
    const received = typeof a.score === 'number' ? String(a.score) : a.score === null ? 'null' : typeof a.score;
    throw new LlmAnswerError(`expected score to be a number from 0 to 100, received ${received}`);
  }
  if (!Array.isArray(a.findings) || !a.findings.every((f) => typeof f === 'string')) {
    throw new LlmAnswerError('expected findings to be a list of strings');
  }
  return { score: clampScore(a.score), findings: (a.findings as string[]).slice(0, 6).map((f) => f.slice(0, 300)) };
}

interface Rubric {
  name: string;
  description: string;
  weight: number;
  /** Raise it when the rubric's meaning changes: answers cached under the old one are not reused. */
  version: number;
  text: string;
}

function llmAgent(r: Rubric, opts: LlmOptions, cache: LlmCache | undefined): Agent {
  return {
    name: r.name,
    description: r.description,
    weight: r.weight,
    builtIn: false,
    async run(input, signal, tenantId) {
      const system = `You assess job candidates. ${r.text} ${ANSWER}`;
      const user = describe(input);
      const ask = async () => validateAnswer(await chatJson(opts, system, user, signal));
      if (!cache || tenantId === undefined) return ask();
      return cache.through({ tenantId, agent: r.name, rubricVersion: r.version, model: opts.model, system, user }, ask);
    },
  };
}

const RUBRICS: Rubric[] = [
  {
    name: 'llm-technical',
    description: 'LLM review of technical fit: depth of the relevant skills and experience.',
    weight: 0.3,
    version: 1,
    text: "Rubric (technical): judge how well the candidate's technical skills and experience match the job's technical needs. 100 = clearly exceeds, 50 = partial, 0 = unrelated.",
  },
  {
    name: 'llm-communication',
    description: 'LLM review of communication: clarity and structure of the resume.',
    weight: 0.15,
    version: 1,
    text: 'Rubric (communication): judge the clarity, structure and specificity of how the candidate presents their work. 100 = exemplary, 0 = incoherent or empty.',
  },
  {
    name: 'llm-risk',
    description: 'LLM review of hiring risk (higher score = lower risk).',
    weight: 0.15,
    version: 1,
    text: 'Rubric (risk): look for red flags: gaps, mismatched seniority, vague claims. 100 = no concerns, 0 = serious concerns.',
  },
];

/** The three LLM agents, each with its own rubric; present only when LLM_BASE_URL is set. */
export function llmAgents(opts: LlmOptions, cache?: LlmCache): Agent[] {
  return RUBRICS.map((r) => llmAgent(r, opts, cache));
}
