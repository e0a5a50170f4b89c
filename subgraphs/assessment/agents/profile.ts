import { clampScore, type Agent } from './types';

/**
 * profile: completeness of the candidate's profile, as points out of 100:
 * resume of 200+ characters 30 (under 200: 15), 3+ skills 20 (1–2: 10), headline 15, location 10,
 * phone 10, email 10, years of experience given (> 0) 5.
 */
export const profileAgent: Agent = {
  name: 'profile',
  description: "Completeness of the candidate's profile.",
  builtIn: true,
  weight: 0.1,
  async run({ candidate }) {
    const resume = candidate.resumeText?.trim().length ?? 0;
    const parts: Array<[string, number]> = [
      ['resume', resume >= 200 ? 30 : resume > 0 ? 15 : 0],
      ['skills', candidate.skills.length >= 3 ? 20 : candidate.skills.length > 0 ? 10 : 0],
      ['headline', candidate.headline ? 15 : 0],
      ['location', candidate.location ? 10 : 0],
      ['phone', candidate.phone ? 10 : 0],
      ['email', candidate.email ? 10 : 0],
      ['experience', candidate.yearsExperience > 0 ? 5 : 0],
    ];
    const missing = parts.filter(([, p]) => p === 0).map(([n]) => n);
    return {
      score: clampScore(parts.reduce((s, [, p]) => s + p, 0)),
      findings: missing.length ? [`Profile is missing: ${missing.join(', ')}.`] : ['Profile is complete.'],
    };
  },
};
