import type { Access } from '../../../shared/auth';
import type { RequestContext } from '../../../shared/graphql/context';
import { DateTime } from '../../../shared/graphql/scalars';
import { loadById, loadChildren, loadReference, tenantUsageResolvers } from '../../../shared/graphql/entities';
import { parseId } from '../../../shared/mongo/ids';
import { connectionResolvers, parsePage, toConnection } from '../../../shared/pagination';
import type { Agent } from '../agents/types';
import type { AssessmentLoaders } from '../store/loaders';
import type { EventHub } from '../events/event-hub';
import type { RunService } from './runs';
import type { Resolvers } from '../generated/resolvers-types';
import { assessmentEvents, assessmentProgress, type EventOptions } from './subscription-resolvers';
import type { AssessmentRepository } from '../store/repository';
import { toAssessment } from '../store/view';
import { ASSESSMENT_READS } from '../store/reads';
import type DataLoader from 'dataloader';
import { tryParseId } from '../../../shared/mongo/ids';
import { emptyStats, type AssessmentStats } from '../store/stats';

export interface AssessmentContext extends RequestContext {
  assessments(access: Access): AssessmentRepository;
  loaders: AssessmentLoaders;
  runs: RunService;
  agents: Agent[];
  hub: EventHub;
  events: EventOptions;
}

/** A candidate's or job's stats; an id that is not one has none, like a missing or foreign one. */
async function loadStats(loader: DataLoader<string, AssessmentStats>, parentId: string): Promise<AssessmentStats> {
  const oid = tryParseId(parentId);
  return oid ? loader.load(oid.toHexString()) : emptyStats();
}

/** The `first` defaults of Candidate.assessments and Job.assessments in the schema: the sizes demand control assumed before. */
const LIST_DEFAULT = { candidate: 10, job: 50 };

export const resolvers: Resolvers = {
  DateTime,
  AssessmentConnection: connectionResolvers,
  Query: {
    assessment: (_, { id }, ctx) => loadById(ctx.loaders.assessmentById, id, toAssessment),
    agents: (_, __, ctx) => {
      ctx.tenant('read');
      return ctx.agents.map((a) => ({ name: a.name, description: a.description, builtIn: a.builtIn }));
    },
    assessmentEventsCursor: (_, __, ctx) => ctx.hub.tail(ctx.tenant('read').toHexString(), ctx.events.streamMaxLen),
    assessments: async (_, args, ctx) => {
      const repo = ctx.assessments('read');
      const page = parsePage(args.first, args.after);
      const f = args.filter ?? {};
      const q = {
        status: f.status ?? null,
        candidateId: f.candidateId ? parseId(f.candidateId, 'filter.candidateId') : null,
        jobId: f.jobId ? parseId(f.jobId, 'filter.jobId') : null,
      };
      const rows = await repo.list(q, page, ctx.reads.projection(ASSESSMENT_READS));
      return toConnection(rows, page, toAssessment, () => repo.count(q));
    },
  },
  Subscription: {
    assessmentProgress: {
      subscribe: (_, args, ctx) =>
        assessmentProgress(ctx.assessments('read'), ctx.hub, args.id, args.afterSeq, ctx.events),
    },
    assessmentEvents: {
      subscribe: (_, args, ctx) => assessmentEvents(ctx.assessments('read'), ctx.hub, args.after, ctx.events),
    },
  },
  Mutation: {
    startAssessment: async (_, { input }, ctx) =>
      toAssessment(await ctx.runs.start(ctx, ctx.assessments('write'), input)),
    cancelAssessment: async (_, { id }, ctx) => toAssessment(await ctx.runs.cancel(ctx.assessments('write'), id)),
    retryAssessment: async (_, { id }, ctx) => toAssessment(await ctx.runs.retry(ctx, ctx.assessments('write'), id)),
  },
  Assessment: {
    __resolveReference: (ref, ctx) => loadReference(ctx.loaders.assessmentById, ref.id, toAssessment),
  },
  // This subgraph only adds `assessments` to candidates and jobs; those lists are tenant-scoped,
  // so a missing id and another tenant's id both resolve to an empty list (see README).
  Candidate: {
    __resolveReference: (ref) => ({ id: ref.id }),
    assessments: (c, args, ctx) => {
      const { first } = parsePage(args.first, null, LIST_DEFAULT.candidate);
      return loadChildren(ctx.loaders.ofCandidate, c.id, (id) => ({ id, first }), toAssessment);
    },
    assessmentStats: (c, _, ctx) => loadStats(ctx.loaders.statsOfCandidate, c.id),
  },
  Job: {
    __resolveReference: (ref) => ({ id: ref.id }),
    assessments: (j, args, ctx) => {
      const { first } = parsePage(args.first, null, LIST_DEFAULT.job);
      const status = args.status ?? null;
      return loadChildren(ctx.loaders.ofJob, j.id, (id) => ({ id, first, status }), toAssessment);
    },
    assessmentStats: (j, _, ctx) => loadStats(ctx.loaders.statsOfJob, j.id),
  },
  TenantUsage: tenantUsageResolvers(
    (ctx: AssessmentContext) => ctx.loaders.usage,
    ['assessments', 'assessmentsLast30Days'],
  ),
};
