import { clampScore, type Agent } from './types';

/** Spellings that name the same skill, keyed by the normalised spelling (see canonicalSkill). */
const ALIASES: Record<string, string> = {
  js: 'javascript',
  ecmascript: 'javascript',
  ts: 'typescript',
  golang: 'go',
  k8s: 'kubernetes',
  postgres: 'postgresql',
  psql: 'postgresql',
  node: 'nodejs',
  mongo: 'mongodb',
  gql: 'graphql',
  react: 'reactjs',
  vue: 'vuejs',
  net: 'dotnet',
  csharp: 'c#',
  py: 'python',
  aws: 'amazonwebservices',
  gcp: 'googlecloud',
};

/** Lower case without spaces, dots, dashes or underscores ("Node.js" → "nodejs"), then aliases. */
export function canonicalSkill(skill: string): string {
  const key = skill.toLowerCase().replace(/[\s._-]+/g, '');
  return ALIASES[key] ?? key;
}

/**
 * skills: coverage of the job's skills by the candidate's.
 * score = 100 × (0.75 × required covered / required + 0.25 × nice covered / nice);
 * a list that is empty counts as fully covered.
 */
export const skillsAgent: Agent = {
  name: 'skills',
  description:
    "Coverage of the job's required and nice-to-have skills by the candidate's skills (case- and alias-insensitive).",
  builtIn: true,
  weight: 0.35,
  async run({ candidate, job }) {
    const has = new Set(candidate.skills.map(canonicalSkill));
    const cover = (list: string[]) => {
      const matched = list.filter((s) => has.has(canonicalSkill(s)));
      return {
        matched,
        missing: list.filter((s) => !has.has(canonicalSkill(s))),
        ratio: list.length ? matched.length / list.length : 1,
      };
    };
    const req = cover(job.requiredSkills);
    const nice = cover(job.niceToHaveSkills);
    const findings: string[] = [];
    if (job.requiredSkills.length)
      findings.push(
        `Required skills: ${req.matched.length}/${job.requiredSkills.length} covered${req.matched.length ? ` (${req.matched.join(', ')})` : ''}.`,
      );
    if (req.missing.length) findings.push(`Missing required: ${req.missing.join(', ')}.`);
    if (job.niceToHaveSkills.length)
      findings.push(`Nice-to-have: ${nice.matched.length}/${job.niceToHaveSkills.length} covered.`);
    if (!job.requiredSkills.length && !job.niceToHaveSkills.length)
      findings.push('The job lists no skills; nothing to match.');
    return { score: clampScore(100 * (0.75 * req.ratio + 0.25 * nice.ratio)), findings };
  },
};
