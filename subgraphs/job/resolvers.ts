import type { Access } from '../../shared/auth';
import { errors } from '../../shared/errors';
import type { RequestContext } from '../../shared/graphql/context';
import type { EntityClient } from '../../shared/graphql/entity-client';
import { DateTime } from '../../shared/graphql/scalars';
import {
  loadById,
  loadChildren,
  loadOrNotFound,
  loadReference,
  tenantUsageResolvers,
} from '../../shared/graphql/entities';
import { parseId } from '../../shared/mongo/ids';
import { connectionResolvers, parsePage, toConnection } from '../../shared/pagination';
import { numberInRange, optionalText, requiredText, searchRegex, stringList } from '../../shared/validate';
import type { JobLoaders } from './loaders';
import type { JobRepository } from './repository';
import type { JobFields } from './model';
import { JOB_READS, type JobRead } from './reads';
import type { Resolvers } from './generated/resolvers-types';
import { toApplication, toJob } from './view';

export interface JobContext extends RequestContext {
  jobs(access: Access): JobRepository;
  loaders: JobLoaders;
  /** The candidate subgraph, for checking candidate references. */
  candidateOwner: EntityClient;
}

interface JobInput {
  title?: string | null;
  description?: string | null;
  requiredSkills?: string[] | null;
  niceToHaveSkills?: string[] | null;
  minYearsExperience?: number | null;
  location?: string | null;
}

function jobFields(input: JobInput, required: boolean): Partial<JobFields> {
  const out: Partial<JobFields> = {};
  if (required || (input.title !== undefined && input.title !== null))
    out.title = requiredText(input.title ?? '', 'title');
  if (required || (input.description !== undefined && input.description !== null))
    out.description = requiredText(input.description ?? '', 'description', 50_000);
  if (input.requiredSkills !== undefined && input.requiredSkills !== null)
    out.requiredSkills = stringList(input.requiredSkills, 'requiredSkills');
  if (input.niceToHaveSkills !== undefined && input.niceToHaveSkills !== null)
    out.niceToHaveSkills = stringList(input.niceToHaveSkills, 'niceToHaveSkills');
  if (input.minYearsExperience !== undefined && input.minYearsExperience !== null)
    out.minYearsExperience = numberInRange(input.minYearsExperience, 'minYearsExperience', 0, 80);
  if (input.location !== undefined) out.location = optionalText(input.location, 'location', 200);
  return out;
}

const jobOrFail = (ctx: JobContext, id: string): Promise<JobRead> =>
  loadOrNotFound(ctx.loaders.jobById, id, 'Job', 'jobId');

/** Candidate.applications' `first` default in the schema: the size demand control assumed for it before it had one. */
const CANDIDATE_APPLICATIONS_DEFAULT = 10;

export const resolvers: Resolvers = {
  DateTime,
  JobConnection: connectionResolvers,
  ApplicationConnection: connectionResolvers,
  Query: {
    job: (_, { id }, ctx) => loadById(ctx.loaders.jobById, id, toJob),
    jobs: async (_, args, ctx) => {
      const repo = ctx.jobs('read');
      const page = parsePage(args.first, args.after);
      const q = { status: args.filter?.status ?? null, search: searchRegex(args.filter?.search) };
      const rows = await repo.listJobs(q, page, ctx.reads.projection(JOB_READS));
      return toConnection(rows, page, toJob, () => repo.countJobs(q));
    },
  },
  Job: {
    __resolveReference: (ref, ctx) => loadReference(ctx.loaders.jobById, ref.id, toJob),
    applications: async (job, args, ctx) => {
      const page = parsePage(args.first, args.after);
      return toConnection(await ctx.loaders.applicationPage.load({ jobId: job.id, page }), page, toApplication, () =>
        ctx.loaders.applicationCount.load(job.id),
      );
    },
    pipeline: (job, _, ctx) => ctx.loaders.pipeline.load(job.id),
  },
  Application: {
    __resolveReference: (ref, ctx) => loadReference(ctx.loaders.applicationById, ref.id, toApplication),
    job: async (app, _, ctx) => {
      const doc = await ctx.loaders.jobById.load(app.jobId);
      if (!doc) throw errors.internal(`application refers to a missing job ${app.jobId}`);
      return toJob(doc);
    },
    candidate: (app) => ({ __typename: 'Candidate', id: app.candidateId }),
  },
  Candidate: {
    // This subgraph only adds `applications` to candidates; those are tenant-scoped, so an id
    // that is missing or another tenant's resolves to the same empty list (see README).
    __resolveReference: (ref) => ({ id: ref.id }),
    applications: (candidate, args, ctx) => {
      const { first } = parsePage(args.first, null, CANDIDATE_APPLICATIONS_DEFAULT);
      return loadChildren(ctx.loaders.applicationsOfCandidate, candidate.id, (id) => ({ id, first }), toApplication);
    },
  },
  TenantUsage: tenantUsageResolvers((ctx: JobContext) => ctx.loaders.usage, ['jobs', 'openJobs', 'applications']),
  Mutation: {
    createJob: async (_, { input }, ctx) => {
      const repo = ctx.jobs('write');
      return toJob(
        await repo.createJob({
          requiredSkills: [],
          niceToHaveSkills: [],
          minYearsExperience: 0,
          location: null,
          ...jobFields(input, true),
        } as JobFields),
      );
    },
    updateJob: async (_, { id, input }, ctx) => {
      const repo = ctx.jobs('write');
      const patch = jobFields(input, false);
      const doc = Object.keys(patch).length ? await repo.updateJob(parseId(id), patch) : await jobOrFail(ctx, id);
      if (!doc) throw errors.notFound('Job', id);
      return toJob(doc);
    },
    closeJob: async (_, { id }, ctx) => {
      const doc = await ctx.jobs('write').updateJob(parseId(id), { status: 'CLOSED' });
      if (!doc) throw errors.notFound('Job', id);
      return toJob(doc);
    },
    applyToJob: async (_, args, ctx) => {
      const repo = ctx.jobs('write');
      const jobId = parseId(args.jobId, 'jobId');
      const candidateId = parseId(args.candidateId, 'candidateId');
      const job = await jobOrFail(ctx, args.jobId);
      if (job.status !== 'OPEN')
        throw errors.badInput(`expected an OPEN job, received job ${args.jobId} which is ${job.status}`, 'jobId');
      const [candidate] = await ctx.candidateOwner.fetch(ctx, [candidateId.toHexString()], 'id');
      if (!candidate) throw errors.notFound('Candidate', args.candidateId);
      return toApplication(await repo.apply(jobId, candidateId));
    },
    moveApplication: async (_, { id, stage }, ctx) => {
      const doc = await ctx.jobs('write').moveApplication(parseId(id), stage);
      if (!doc) throw errors.notFound('Application', id);
      return toApplication(doc);
    },
  },
};
