/** What every agent reads: the candidate and the job as validation saw them. */
export interface AgentInput {
  candidate: {
    id: string;
    name: string;
    email: string;
    phone: string | null;
    location: string | null;
    headline: string | null;
    skills: string[];
    yearsExperience: number;
    resumeText: string | null;
  };
  job: {
    id: string;
    title: string;
    description: string;
    requiredSkills: string[];
    niceToHaveSkills: string[];
    minYearsExperience: number;
    location: string | null;
    status: string;
  };
}

/** An agent's verdict: a score 0..100 and the findings behind it. */
export interface AgentResult {
  score: number;
  findings: string[];
}

export interface Agent {
  name: string;
  description: string;
  builtIn: boolean;
  /** Weight of this agent's score in synthesis (renormalised over the agents that succeeded). */
  weight: number;
  /**
   * `tenantId`: whose run this is. Anything kept across runs (the LLM cache) is kept per tenant,
   * and not kept at all without one. The built-in agents keep nothing and ignore it.
   */
  run(input: AgentInput, signal: AbortSignal, tenantId?: string): Promise<AgentResult>;
}

export function clampScore(n: number): number {
  return Math.round(Math.min(100, Math.max(0, n)) * 10) / 10;
}
