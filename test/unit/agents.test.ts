import { experienceAgent } from '../../subgraphs/assessment/agents/experience';
import { keywordsAgent } from '../../subgraphs/assessment/agents/keywords';
import { validateAnswer } from '../../subgraphs/assessment/agents/llm-agents';
import { profileAgent } from '../../subgraphs/assessment/agents/profile';
import { BUILT_IN_AGENTS } from '../../subgraphs/assessment/agents/registry';
import { canonicalSkill, skillsAgent } from '../../subgraphs/assessment/agents/skills';
import type { AgentInput } from '../../subgraphs/assessment/agents/types';
import { pendingStep } from '../../subgraphs/assessment/store/model';
import { synthesize } from '../../subgraphs/assessment/engine/synthesis';

const input = (c: Partial<AgentInput['candidate']> = {}, j: Partial<AgentInput['job']> = {}): AgentInput => ({
  candidate: {
    id: 'c',
    name: 'N',
    email: 'n@x.io',
    phone: null,
    location: null,
    headline: null,
    skills: [],
    yearsExperience: 0,
    resumeText: null,
    ...c,
  },
  job: {
    id: 'j',
    title: 'Backend Engineer',
    description: 'TypeScript services',
    requiredSkills: [],
    niceToHaveSkills: [],
    minYearsExperience: 0,
    location: null,
    status: 'OPEN',
    ...j,
  },
});
const signal = new AbortController().signal;

describe('built-in agents are deterministic and follow their documented formulas', () => {
  test('skills: 75% required + 25% nice, case- and alias-insensitive', async () => {
    expect(canonicalSkill('Node.js')).toBe(canonicalSkill('node'));
    expect(canonicalSkill('TS')).toBe('typescript');
    const r = await skillsAgent.run(
      input({ skills: ['ts', 'K8S'] }, { requiredSkills: ['TypeScript', 'Go'], niceToHaveSkills: ['kubernetes'] }),
      signal,
    );
    expect(r.score).toBe(62.5);
    expect(r.findings.join(' ')).toMatch(/Missing required: Go/);
    expect(
      await skillsAgent.run(
        input({ skills: ['ts', 'K8S'] }, { requiredSkills: ['TypeScript', 'Go'], niceToHaveSkills: ['kubernetes'] }),
        signal,
      ),
    ).toEqual(r);
  });

  test('experience: 80 at the minimum, 100 with a margin, proportional below', async () => {
    expect((await experienceAgent.run(input({ yearsExperience: 2 }, { minYearsExperience: 4 }), signal)).score).toBe(
      40,
    );
    expect((await experienceAgent.run(input({ yearsExperience: 4 }, { minYearsExperience: 4 }), signal)).score).toBe(
      80,
    );
    expect((await experienceAgent.run(input({ yearsExperience: 6 }, { minYearsExperience: 4 }), signal)).score).toBe(
      90,
    );
    expect((await experienceAgent.run(input({ yearsExperience: 9 }, { minYearsExperience: 4 }), signal)).score).toBe(
      100,
    );
    expect((await experienceAgent.run(input({ yearsExperience: 1 }, { minYearsExperience: 0 }), signal)).score).toBe(
      90,
    );
  });

  test('keywords: shared vocabulary; no resume scores 0', async () => {
    expect((await keywordsAgent.run(input(), signal)).score).toBe(0);
    // Job terms: backend, engineer, typescript, services; the resume uses 2 of 4: 100 × min(1, 1.5 × 2 / 4).
    const r = await keywordsAgent.run(input({ resumeText: 'I build TypeScript services.' }), signal);
    expect(r.score).toBe(75);
    expect(
      (await keywordsAgent.run(input({ resumeText: 'Backend engineer: TypeScript services.' }), signal)).score,
    ).toBe(100);
  });

  test('profile: points per field', async () => {
    expect((await profileAgent.run(input(), signal)).score).toBe(10);
    const full = await profileAgent.run(
      input({
        phone: '1',
        location: 'x',
        headline: 'h',
        skills: ['a', 'b', 'c'],
        yearsExperience: 3,
        resumeText: 'x'.repeat(200),
      }),
      signal,
    );
    expect(full).toEqual({ score: 100, findings: ['Profile is complete.'] });
  });
});

test('synthesis: weighted mean over the agents that succeeded, thresholds, and no agent → failure', () => {
  const agents = new Map(BUILT_IN_AGENTS.map((a) => [a.name, a]));
  const ok = (name: string, score: number) => ({
    ...pendingStep(name, 'AGENT'),
    status: 'SUCCEEDED' as const,
    score,
    findings: [`${name} note`],
  });
  const failed = (name: string) => ({ ...pendingStep(name, 'AGENT'), status: 'FAILED' as const, error: 'boom' });
  const s = synthesize([ok('skills', 100), ok('experience', 60), failed('keywords')], agents);
  expect(s).toMatchObject({ ok: true, score: 83.3, recommendation: 'STRONG_HIRE' });
  expect(s.ok && s.summary).toMatch(/from 2 of 3 agents\. Agents that failed and were left out: keywords\./);
  expect(synthesize([ok('skills', 50), ok('profile', 40)], agents)).toMatchObject({
    score: 47.8,
    recommendation: 'NO_HIRE',
  });
  expect(synthesize([failed('skills')], agents)).toEqual({ ok: false, error: 'no agent succeeded (skills: boom)' });
});

test('LLM answers are validated, never repaired', () => {
  expect(validateAnswer({ score: 71, findings: ['a'] })).toEqual({ score: 71, findings: ['a'] });
  for (const bad of [
    null,
    'text',
    { score: '71', findings: [] },
    { score: 101, findings: [] },
    { score: 50 },
    { score: 50, findings: [1] },
  ]) {
    expect(() => validateAnswer(bad)).toThrow(/expected/);
  }
});
