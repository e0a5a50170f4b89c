import type { Agent } from '../agents/types';
import type { Recommendation, StepDoc } from '../store/model';

/** Recommendation thresholds on the final score (0..100). */
export const THRESHOLDS: Array<[number, Recommendation]> = [
  [80, 'STRONG_HIRE'],
  [65, 'HIRE'],
  [50, 'MAYBE'],
  [0, 'NO_HIRE'],
];

export type Synthesis =
  | { ok: true; score: number; recommendation: Recommendation; summary: string; findings: string[] }
  | { ok: false; error: string };

/**
 * score = Σ weight × score / Σ weight over the agents that succeeded (weights in each agent's
 * module); recommendation by THRESHOLDS. No agent succeeded: the run fails.
 */
export function synthesize(steps: StepDoc[], agents: Map<string, Agent>): Synthesis {
  const agentSteps = steps.filter((s) => s.kind === 'AGENT');
  const ok = agentSteps.filter((s) => s.status === 'SUCCEEDED' && s.score !== null);
  const failed = agentSteps.filter((s) => s.status === 'FAILED');
  if (ok.length === 0)
    return {
      ok: false,
      error: `no agent succeeded (${failed.map((s) => `${s.name}: ${s.error ?? 'failed'}`).join('; ') || 'none ran'})`,
    };
  let total = 0;
  let weights = 0;
  for (const s of ok) {
    const w = agents.get(s.name)?.weight ?? 0.1;
    total += w * s.score!;
    weights += w;
  }
  const score = Math.round((total / weights) * 10) / 10;
  const recommendation = THRESHOLDS.find(([min]) => score >= min)![1];
  const lines = ok.map((s) => `${s.name} ${s.score}: ${s.findings[0] ?? 'no findings'}`);
  const failedNote = failed.length
    ? ` Agents that failed and were left out: ${failed.map((s) => s.name).join(', ')}.`
    : '';
  const summary =
    `Score ${score} (${recommendation.replace('_', ' ').toLowerCase()}) from ${ok.length} of ${agentSteps.length} agents.${failedNote} ${lines.join(' ')}`.trim();
  return { ok: true, score, recommendation, summary, findings: lines };
}
