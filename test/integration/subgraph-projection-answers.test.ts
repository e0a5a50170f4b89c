import fc from 'fast-check';
import { ObjectId } from 'mongodb';
import { useSeededSubgraphs } from '../support/projection-seed';
import { leafFields } from '../support/schema-fields';
import type { Read } from '../support/subgraph-reads';

/**
 * Issue 23, the answers: any subset of a type's fields answers what the same query with every
 * field answers, cut down to that subset, while the large fields (résumés, descriptions, steps,
 * summaries) are read only when selected. Random subsets, over lists, `_entities` and nested
 * lists, against the subgraphs and the test MongoDB.
 */
const tenantId = new ObjectId();
const t = useSeededSubgraphs(tenantId);
const { u } = t;

/** A selected field: its response key, its text in the query, and the shape of its own selection. */
type Field = { key: string; text: string; shape?: Shape };
interface Shape {
  [key: string]: Shape | true;
}
const leaf = (key: string): Field => ({ key, text: key });
const nested = (key: string, text: string, shape: Shape): Field => ({ key, text, shape });
const text = (fields: readonly Field[]) => fields.map((f) => f.text).join(' ');
const shapeOf = (fields: readonly Field[]): Shape => Object.fromEntries(fields.map((f) => [f.key, f.shape ?? true]));

/** `value` with only the keys `shape` names, at every level (lists element by element). */
function cut(value: unknown, shape: Shape | true): unknown {
  if (shape === true || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => cut(v, shape));
  const obj = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(shape).map((k) => [k, cut(obj[k], shape[k]!)]));
}

/** Whether a read asked for `field`: no projection reads it, an exclusion one unless it names it. */
const asked = ({ projection: p }: Read, field: string) =>
  !p || (Object.values(p).includes(0) ? !(field in p) : p[field] === 1);
const read = (reads: Read[], field: string) => reads.some((r) => asked(r, field));
const sent = (reads: Read[], field: string) => reads.some((r) => r.docs.some((d) => field in d));
const RUNS = { numRuns: 40 };

const CANDIDATE = [...leafFields('candidate', 'Candidate'), '__typename'].map(leaf);

test('Candidate: any subset answers as every field cut down, and reads résumés only when selected', async () => {
  const list = (fields: readonly Field[]) =>
    `{ candidates(first: 50, filter: { includeArchived: true }) { edges { cursor node { ${text(fields)} } } pageInfo { hasNextPage endCursor } } }`;
  const ents = (fields: readonly Field[]) =>
    `query($r: [_Any!]!) { _entities(representations: $r) { ... on Candidate { ${text(fields)} } } }`;
  const r = [...t.seed.candidates].reverse().map((c) => ({ __typename: 'Candidate', id: c.id }));
  const full = {
    list: await u.ask('candidate', list(CANDIDATE)),
    ents: await u.ask('candidate', ents(CANDIDATE), { r }),
  };
  expect(full.list.errors ?? full.ents.errors).toBeUndefined();
  await fc.assert(
    fc.asyncProperty(fc.subarray(CANDIDATE, { minLength: 1 }), async (fields) => {
      const shape = shapeOf(fields);
      const listed = await t.log.candidate.during('candidates', () => u.ask('candidate', list(fields)));
      const got = await t.log.candidate.during('candidates', () => u.ask('candidate', ents(fields), { r }));
      expect(listed.value).toEqual(
        cut(full.list, { data: { candidates: { edges: { cursor: true, node: shape }, pageInfo: true } } }),
      );
      expect(got.value).toEqual(cut(full.ents, { data: { _entities: shape } }));
      const reads = [...listed.reads, ...got.reads];
      const resume = fields.some((f) => f.key === 'resumeText');
      expect([read(reads, 'resumeText'), sent(reads, 'resumeText')]).toEqual([resume, resume]);
    }),
    RUNS,
  );
});

const APPLICATION = [
  ...[...leafFields('job', 'Application'), '__typename'].map(leaf),
  nested('job', 'job { id title }', { id: true, title: true }),
  nested('candidate', 'candidate { id }', { id: true }),
];
const JOB = [...leafFields('job', 'Job'), '__typename']
  .map(leaf)
  .concat([nested('pipeline', 'pipeline { stage count }', { stage: true, count: true })]);

test('Job and Application: any subsets answer as every field cut down; descriptions read only when selected', async () => {
  const applications = (apps: readonly Field[]): Field =>
    nested('applications', `applications(first: 50) { totalCount edges { node { ${text(apps)} } } }`, {
      totalCount: true,
      edges: { node: shapeOf(apps) },
    });
  const list = (jobs: readonly Field[]) => `{ jobs(first: 50) { edges { node { ${text(jobs)} } } } }`;
  const full = await u.ask('job', list([...JOB, applications(APPLICATION)]));
  expect(full.errors).toBeUndefined();
  await fc.assert(
    fc.asyncProperty(fc.subarray(JOB), fc.subarray(APPLICATION, { minLength: 1 }), async (jobFields, appFields) => {
      const fields = [...jobFields, applications(appFields)];
      const { value, reads } = await t.log.job.during('jobs', () => u.ask('job', list(fields)));
      expect(value).toEqual(cut(full, { data: { jobs: { edges: { node: shapeOf(fields) } } } }));
      // A job under an application's `job` is one of the same jobs, read with the same selection.
      const description = jobFields.some((f) => f.key === 'description');
      expect([read(reads, 'description'), sent(reads, 'description')]).toEqual([description, description]);
    }),
    RUNS,
  );
});

const STEP = leafFields('assessment', 'AssessmentStep');
const ASSESSMENT = [...leafFields('assessment', 'Assessment'), '__typename']
  .map(leaf)
  .concat([
    nested('steps', `steps { ${STEP.join(' ')} }`, Object.fromEntries(STEP.map((f) => [f, true]))),
    nested('candidate', 'candidate { id }', { id: true }),
    nested('job', 'job { id }', { id: true }),
  ]);

test('Assessment: any subset answers as every field cut down; steps and summaries read only when needed', async () => {
  const query = (fields: readonly Field[]) =>
    `query($r: [_Any!]!) { assessments(first: 50) { edges { node { ${text(fields)} } } }
      _entities(representations: $r) { ... on Job { assessments { ${text(fields)} } } } }`;
  const r = t.seed.jobs.map((j) => ({ __typename: 'Job', id: j.id }));
  const full = await u.ask('assessment', query(ASSESSMENT), { r });
  expect(full.errors).toBeUndefined();
  await fc.assert(
    fc.asyncProperty(fc.subarray(ASSESSMENT, { minLength: 1 }), async (fields) => {
      const shape = shapeOf(fields);
      const { value, reads } = await t.log.assessment.during('assessments', () =>
        u.ask('assessment', query(fields), { r }),
      );
      expect(value).toEqual(
        cut(full, { data: { assessments: { edges: { node: shape } }, _entities: { assessments: shape } } }),
      );
      const steps = fields.some((f) => f.key === 'steps' || f.key === 'progress');
      const summary = fields.some((f) => f.key === 'summary');
      expect([read(reads, 'steps'), sent(reads, 'steps')]).toEqual([steps, steps]);
      expect([read(reads, 'summary'), sent(reads, 'summary')]).toEqual([summary, summary]);
      expect(sent(reads, 'events') || sent(reads, 'input')).toBe(false);
    }),
    RUNS,
  );
});
