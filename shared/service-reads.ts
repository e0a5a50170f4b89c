/**
 * What the worker reads with its service token, through `_entities` of each type's owner: the
 * worker selects exactly these fields, and an owning subgraph lets a service token select no other.
 */
export const WORKER_READS = {
  Candidate: [
    'id',
    'name',
    'email',
    'phone',
    'location',
    'headline',
    'skills',
    'yearsExperience',
    'resumeText',
    'archivedAt',
  ],
  Job: ['id', 'title', 'description', 'requiredSkills', 'niceToHaveSkills', 'minYearsExperience', 'location', 'status'],
} as const satisfies Record<string, readonly string[]>;
