import { ObjectId, type Db } from 'mongodb';
import { CandidateRepository } from '../../subgraphs/candidate/repository';
import { JobRepository } from '../../subgraphs/job/repository';
import { newAssessment, type AssessmentDoc } from '../../subgraphs/assessment/store/model';
import { AssessmentRepository } from '../../subgraphs/assessment/store/repository';
import { useStarted } from './stack';
import { ReadLog, startSubgraphsUnderTest } from './subgraph-reads';

/** What projectionSeed wrote, by id (hex), newest last. */
export interface ProjectionSeed {
  candidates: Array<{ id: string; name: string }>;
  jobs: Array<{ id: string; title: string; status: 'OPEN' | 'CLOSED' }>;
  assessments: string[];
}

/** A few KB of text, different per document, like a résumé or a job description. */
export const longText = (what: string, kb: number): string =>
  Array.from({ length: kb * 16 }, (_, i) => `${what}, line ${i}: shipped and ran services.`.padEnd(64, '.')).join('');

/**
 * One tenant's documents with every field set somewhere and null somewhere else (so a field left
 * unread by mistake shows up as a changed answer): 5 candidates with long résumés, 3 jobs with long
 * descriptions (the last CLOSED), each candidate applied to both open jobs at several stages, and 3
 * assessments with findings and a summary. Written through the subgraphs' own repositories.
 */
export async function projectionSeed(db: Db, tenantId: ObjectId): Promise<ProjectionSeed> {
  const candidates = new CandidateRepository(db, tenantId);
  const jobs = new JobRepository(db, tenantId);
  const seed: ProjectionSeed = { candidates: [], jobs: [], assessments: [] };
  for (let i = 0; i < 5; i++) {
    const name = `Candidate ${i}`;
    const doc = await candidates.create(
      {
        name,
        email: `c${i}@example.com`,
        phone: i % 2 ? `+44 20 7946 000${i}` : null,
        location: i % 3 ? 'Lisbon' : null,
        headline: i === 4 ? null : `Engineer ${i}`,
        skills: ['TypeScript', 'GraphQL'].slice(0, i % 3),
        yearsExperience: i * 1.5,
        resumeText: i === 2 ? null : longText(name, 4),
      },
      null,
    );
    seed.candidates.push({ id: doc!._id.toHexString(), name });
  }
  await candidates.archive(oid(seed.candidates[3]!.id));
  for (let i = 0; i < 3; i++) {
    const title = `Job ${i}`;
    const doc = await jobs.createJob({
      title,
      description: longText(title, 2),
      requiredSkills: ['TypeScript'],
      niceToHaveSkills: i ? ['Kubernetes'] : [],
      minYearsExperience: i,
      location: i === 1 ? null : 'Remote',
    });
    if (i === 2) await jobs.updateJob(doc._id, { status: 'CLOSED' });
    seed.jobs.push({ id: doc._id.toHexString(), title, status: i === 2 ? 'CLOSED' : 'OPEN' });
  }
  const stages = ['APPLIED', 'SCREENING', 'INTERVIEW', 'OFFER', 'HIRED', 'REJECTED'] as const;
  let n = 0;
  for (const c of seed.candidates)
    for (const j of seed.jobs.slice(0, 2)) {
      const app = await jobs.apply(oid(j.id), oid(c.id));
      await jobs.moveApplication(app._id, stages[n++ % stages.length]!);
    }
  const assessments = new AssessmentRepository(db, tenantId);
  for (let i = 0; i < 3; i++) {
    const { doc } = await assessments.create(
      newAssessment({
        candidateId: oid(seed.candidates[i]!.id),
        jobId: oid(seed.jobs[i % 2]!.id),
        agents: ['skills', 'experience'],
        idempotencyKey: null,
      }),
    );
    // A run part way (i = 1) and one done (i = 2), as the worker would have left them.
    if (i > 0)
      await db.collection<AssessmentDoc>('assessments').updateOne(
        { _id: doc._id },
        {
          $set: {
            status: i === 2 ? 'COMPLETED' : 'RUNNING',
            startedAt: new Date(),
            'steps.0.status': 'SUCCEEDED',
            'steps.0.findings': ['resume present', longText('finding', 1)],
            ...(i === 2 && {
              score: 72.5,
              recommendation: 'HIRE',
              summary: longText('summary', 1),
              completedAt: new Date(),
            }),
          },
        },
      );
    seed.assessments.push(doc._id.toHexString());
  }
  return seed;
}

const oid = (hex: string): ObjectId => new ObjectId(hex);

/**
 * For a test file: the subgraphs under test (started once, closed after), a read log per
 * subgraph and the seed, both set before the first test.
 */
export function useSeededSubgraphs(tenantId: ObjectId) {
  const u = useStarted(
    'the subgraphs',
    () => startSubgraphsUnderTest(tenantId),
    (s) => s.close(),
  );
  const state = { u, log: {} as Record<'candidate' | 'job' | 'assessment', ReadLog>, seed: {} as ProjectionSeed };
  beforeAll(async () => {
    const { candidate, job, assessment } = u.subgraphs;
    state.log = {
      candidate: new ReadLog(candidate.db.client, tenantId),
      job: new ReadLog(job.db.client, tenantId),
      assessment: new ReadLog(assessment.db.client, tenantId),
    };
    state.seed = await projectionSeed(candidate.db, tenantId);
  });
  return state;
}
