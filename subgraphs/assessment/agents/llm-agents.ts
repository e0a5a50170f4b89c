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
    throw new LlmAnswerError(`expected score to be a number from 0 to 100, received ${JSON.stringify(a.score)}`);
  }
  if (!Array.isArray(a.findings) || !a.findings.every((f) => typeof f === 'string')) {
    throw new LlmAnswerError('expected findings to be a list of strings');
  }
  return { score: clampScore(a.score), findings: (a.findings as string[]).slice(0, 6).map((f) => f.slice(0, 300)) };
}

function llmAgent(name: string, description: string, weight: number, rubric: string, opts: LlmOptions): Agent {
  return {
    name,
    description,
    weight,
    builtIn: false,
    async run(input, signal) {
      return validateAnswer(
        await chatJson(opts, `You assess job candidates. ${rubric} ${ANSWER}`, describe(input), signal),
      );
    },
  };
}

/** The three LLM agents, each with its own rubric; present only when LLM_BASE_URL is set. */
export function llmAgents(opts: LlmOptions): Agent[] {
  return [
    llmAgent(
      'llm-technical',
      'LLM review of technical fit: depth of the relevant skills and experience.',
      0.3,
      "Rubric (technical): judge how well the candidate's technical skills and experience match the job's technical needs. 100 = clearly exceeds, 50 = partial, 0 = unrelated.",
      opts,
    ),
    llmAgent(
      'llm-communication',
      'LLM review of communication: clarity and structure of the resume.',
      0.15,
      'Rubric (communication): judge the clarity, structure and specificity of how the candidate presents their work. 100 = exemplary, 0 = incoherent or empty.',
      opts,
    ),
    llmAgent(
      'llm-risk',
      'LLM review of hiring risk (higher score = lower risk).',
      0.15,
      'Rubric (risk): look for red flags: gaps, mismatched seniority, vague claims. 100 = no concerns, 0 = serious concerns.',
      opts,
    ),
  ];
}
