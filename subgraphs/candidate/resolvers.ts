import type { Access } from '../../shared/auth';
import { errors } from '../../shared/errors';
import type { RequestContext } from '../../shared/graphql/context';
import type { EntityClient } from '../../shared/graphql/entity-client';
import { DateTime } from '../../shared/graphql/scalars';
import { loadById, loadOrNotFound, loadReference, tenantUsageResolvers } from '../../shared/graphql/entities';
import { parseId } from '../../shared/mongo/ids';
import { connectionResolvers, parsePage, toConnection } from '../../shared/pagination';
import { email, numberInRange, optionalText, requiredText, searchRegex, stringList } from '../../shared/validate';
import type { CandidateLoaders } from './loaders';
import type { CandidateRepository } from './repository';
import type { CandidateFields } from './model';
import { CANDIDATE_READS, type CandidateRead } from './reads';
import type { Resolvers } from './generated/resolvers-types';
import { toCandidate } from './view';

export interface CandidateContext extends RequestContext {
  candidates(access: Access): CandidateRepository;
  loaders: CandidateLoaders;
  /** The tenant subgraph, for the tenant's maxCandidates. */
  tenantOwner: EntityClient;
}

interface CandidateInput {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  location?: string | null;
  headline?: string | null;
  skills?: string[] | null;
  yearsExperience?: number | null;
  resumeText?: string | null;
}

/** Validates the fields present in an input; `required` for creation. */
function fields(input: CandidateInput, required: boolean): Partial<CandidateFields> {
  const out: Partial<CandidateFields> = {};
  if (required || (input.name !== undefined && input.name !== null)) out.name = requiredText(input.name ?? '', 'name');
  if (required || (input.email !== undefined && input.email !== null)) out.email = email(input.email ?? '');
  for (const key of ['phone', 'location', 'headline'] as const) {
    if (input[key] !== undefined) out[key] = optionalText(input[key], key, 200);
  }
  if (input.resumeText !== undefined) out.resumeText = optionalText(input.resumeText, 'resumeText', 100_000);
  if (input.skills !== undefined && input.skills !== null) out.skills = stringList(input.skills, 'skills');
  if (input.yearsExperience !== undefined && input.yearsExperience !== null)
    out.yearsExperience = numberInRange(input.yearsExperience, 'yearsExperience', 0, 80);
  return out;
}

const loadOrFail = (ctx: CandidateContext, id: string): Promise<CandidateRead> =>
  loadOrNotFound(ctx.loaders.candidateById, id, 'Candidate');

export const resolvers: Resolvers = {
  DateTime,
  CandidateConnection: connectionResolvers,
  Query: {
    candidate: (_, { id }, ctx) => loadById(ctx.loaders.candidateById, id, toCandidate),
    candidates: async (_, args, ctx) => {
      const repo = ctx.candidates('read');
      const page = parsePage(args.first, args.after);
      const f = args.filter ?? {};
      const q = {
        search: searchRegex(f.search),
        skills: stringList(f.skills, 'filter.skills'),
        minYearsExperience:
          f.minYearsExperience === undefined || f.minYearsExperience === null
            ? null
            : numberInRange(f.minYearsExperience, 'filter.minYearsExperience', 0, 80),
        includeArchived: f.includeArchived === true,
      };
      const rows = await repo.list(q, page, ctx.reads.projection(CANDIDATE_READS));
      return toConnection(rows, page, toCandidate, () => repo.count(q));
    },
  },
  Candidate: {
    __resolveReference: (ref, ctx) => loadReference(ctx.loaders.candidateById, ref.id, toCandidate),
  },
  TenantUsage: tenantUsageResolvers((ctx: CandidateContext) => ctx.loaders.usage, ['candidates']),
  Mutation: {
    createCandidate: async (_, { input }, ctx) => {
      const repo = ctx.candidates('write');
      const values = fields(input, true);
      const tenantId = ctx.tenant('write').toHexString();
      const [tenant] = await ctx.tenantOwner.fetch<{ id: string; limits: { maxCandidates: number } }>(
        ctx,
        [tenantId],
        'id limits { maxCandidates }',
      );
      const max = tenant ? tenant.limits.maxCandidates : null;
      const doc = await repo.create(
        {
          phone: null,
          location: null,
          headline: null,
          resumeText: null,
          skills: [],
          yearsExperience: 0,
          ...values,
        } as CandidateFields,
        max,
      );
      if (!doc)
        throw errors.rateLimited(
          `the tenant's limit of ${max} candidates is reached; archive some or raise maxCandidates`,
          null,
        );
      return toCandidate(doc);
    },
    updateCandidate: async (_, { id, input }, ctx) => {
      const repo = ctx.candidates('write');
      const oid = parseId(id);
      const patch = fields(input, false);
      const doc = Object.keys(patch).length ? await repo.update(oid, patch) : await loadOrFail(ctx, id);
      if (!doc) throw errors.notFound('Candidate', id);
      return toCandidate(doc);
    },
    archiveCandidate: async (_, { id }, ctx) => {
      const doc = await ctx.candidates('write').archive(parseId(id));
      if (!doc) throw errors.notFound('Candidate', id);
      return toCandidate(doc);
    },
  },
};
