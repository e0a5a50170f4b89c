import { clampScore, type Agent } from './types';

/**
 * experience: years against the job's minimum.
 * Below the minimum: 80 × years / minimum. At or above: 80 + 20 × min(1, (years − minimum) / max(2, minimum)),
 * so meeting the bar scores 80 and a margin of max(2, minimum) years more scores 100.
 * A job with no minimum scores 80 + 20 × min(1, years / 2).
 */
export const experienceAgent: Agent = {
  name: 'experience',
  description: "Years of experience against the job's minimum.",
  builtIn: true,
  weight: 0.25,
  async run({ candidate, job }) {
    const years = candidate.yearsExperience;
    const min = job.minYearsExperience;
    if (years < min) {
      return {
        score: clampScore((80 * years) / min),
        findings: [`${years} years of experience; the job asks for at least ${min}.`],
      };
    }
    const margin = Math.max(2, min);
    return {
      score: clampScore(80 + 20 * Math.min(1, (years - min) / margin)),
      findings: [`${years} years of experience meets the minimum of ${min}.`],
    };
  },
};
