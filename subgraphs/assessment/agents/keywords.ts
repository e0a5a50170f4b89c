import { clampScore, type Agent } from './types';

const STOPWORDS = new Set(
  (
    'a an and are as at be by for from has have in into is it its of on or our that the their this to was we will with you your ' +
    'who what when where which while about across after also any can more most other over per such than them then there these they those up very'
  ).split(' '),
);

/** Lower-case words of 3+ letters (digits and + # . kept, for c++, c#, node.js), minus stopwords. */
export function terms(text: string): Set<string> {
  return new Set(
    (text.toLowerCase().match(/[a-z0-9+#.]{3,}/g) ?? [])
      .map((w) => w.replace(/\.+$/, ''))
      .filter((w) => w.length >= 3 && !STOPWORDS.has(w)),
  );
}

/**
 * keywords: how much of the job's vocabulary the resume uses.
 * Job terms come from its title, description and skills; score = 100 × min(1, 1.5 × matched / job terms),
 * so a resume using two thirds of the job's terms scores 100. No resume scores 0.
 */
export const keywordsAgent: Agent = {
  name: 'keywords',
  description: 'Relevance of the resume to the job description (shared vocabulary).',
  builtIn: true,
  weight: 0.2,
  async run({ candidate, job }) {
    const wanted = terms([job.title, job.description, ...job.requiredSkills, ...job.niceToHaveSkills].join(' '));
    const resume = terms(`${candidate.headline ?? ''} ${candidate.resumeText ?? ''} ${candidate.skills.join(' ')}`);
    if (!candidate.resumeText?.trim()) return { score: 0, findings: ['No resume text to compare with the job.'] };
    if (wanted.size === 0)
      return { score: 50, findings: ['The job description has no distinctive terms; neutral score.'] };
    const matched = [...wanted].filter((w) => resume.has(w));
    const missing = [...wanted].filter((w) => !resume.has(w)).slice(0, 8);
    return {
      score: clampScore(100 * Math.min(1, (1.5 * matched.length) / wanted.size)),
      findings: [
        `The resume uses ${matched.length} of ${wanted.size} terms of the job${matched.length ? `: ${matched.slice(0, 8).join(', ')}` : ''}.`,
        ...(missing.length ? [`Not mentioned: ${missing.join(', ')}.`] : []),
      ],
    };
  },
};
