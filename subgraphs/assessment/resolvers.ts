import type { Access } from '../../shared/auth';
import type { RequestContext } from '../../shared/graphql/context';
import { DateTime } from '../../shared/graphql/scalars';
import { parseId, tryParseId } from '../../shared/mongo/ids';
import { parsePage, toConnection } from '../../shared/pagination';
import type { AssessmentLoaders } from './loaders';
import type { AssessmentDoc, AssessmentRepository, AssessmentStatus } from './repository';

export interface AssessmentContext extends RequestContext {
  assessments(access: Access): AssessmentRepository;
  loaders: AssessmentLoaders;
}

const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'SKIPPED']);

export function toAssessment(doc: AssessmentDoc) {
  const done = doc.steps.filter((s) => FINISHED.has(s.status)).length;
  return {
    id: doc._id.toHexString(),
    candidate: { __typename: 'Candidate', id: doc.candidateId.toHexString() },
    job: { __typename: 'Job', id: doc.jobId.toHexString() },
    status: doc.status,
    progress: doc.steps.length ? done / doc.steps.length : 0,
    steps: doc.steps,
    score: doc.score,
    recommendation: doc.recommendation,
    summary: doc.summary,
    error: doc.error,
    createdAt: doc.createdAt,
    startedAt: doc.startedAt,
    completedAt: doc.completedAt,
  };
}

export const resolvers = {
  DateTime,
  Query: {
    assessment: async (_: unknown, { id }: { id: string }, ctx: AssessmentContext) => {
      const doc = await ctx.loaders.assessmentById.load(parseId(id).toHexString());
      return doc && toAssessment(doc);
    },
    assessments: async (_: unknown, args: { first?: number; after?: string; filter?: { status?: AssessmentStatus | null; candidateId?: string | null; jobId?: string | null } | null }, ctx: AssessmentContext) => {
      const repo = ctx.assessments('read');
      const page = parsePage(args.first, args.after);
      const f = args.filter ?? {};
      const rows = await repo.list({
        status: f.status ?? null,
        candidateId: f.candidateId ? parseId(f.candidateId, 'filter.candidateId') : null,
        jobId: f.jobId ? parseId(f.jobId, 'filter.jobId') : null,
      }, page);
      return toConnection(rows, page, toAssessment);
    },
  },
  Assessment: {
    __resolveReference: async (ref: { id: string }, ctx: AssessmentContext) => {
      const id = tryParseId(ref.id);
      const doc = id && (await ctx.loaders.assessmentById.load(id.toHexString()));
      return doc ? toAssessment(doc) : null;
    },
  },
  // This subgraph only adds `assessments` to candidates and jobs; those lists are tenant-scoped,
  // so a missing id and another tenant's id both resolve to an empty list (see README).
  Candidate: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    assessments: async (c: { id: string }, _: unknown, ctx: AssessmentContext) => {
      const id = tryParseId(c.id);
      return id ? (await ctx.loaders.ofCandidate.load(id.toHexString())).map(toAssessment) : [];
    },
  },
  Job: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    assessments: async (j: { id: string }, args: { status?: AssessmentStatus | null }, ctx: AssessmentContext) => {
      const id = tryParseId(j.id);
      return id ? (await ctx.loaders.ofJob.load({ jobId: id.toHexString(), status: args.status ?? null })).map(toAssessment) : [];
    },
  },
};
