import DataLoader from 'dataloader';
import { ObjectId, type Db } from 'mongodb';
import { signToken } from '../shared/auth';
import { loadConfig, type Config } from '../shared/config';
import { BUILT_IN_PLAN_LIMITS } from '../shared/plans';
import type { RequestContext } from '../shared/graphql/context';
import { startSubgraph, type RunningSubgraph, type SubgraphDefinition } from '../shared/graphql/subgraph-server';
import { EmbeddedMongo } from '@hiregraph/embedded-mongo';
import { startGateway } from '../gateway/server';
import { assessmentSubgraph } from '../subgraphs/assessment/server';
import { CandidateRepository } from '../subgraphs/candidate/repository';
import { candidateSubgraph } from '../subgraphs/candidate/server';
import { JobRepository } from '../subgraphs/job/repository';
import { jobSubgraph } from '../subgraphs/job/server';
import { TenantRepository } from '../subgraphs/tenant/repository';
import { tenantSubgraph } from '../subgraphs/tenant/server';
import { fmt, percentile, table, timeEach } from './stats';
import { TEST_ENV, TEST_JWT_SECRET } from '../test/support/secrets';
import { postGraphql } from './gql';

/**
 * The deep query (jobs → applications → candidate → applications → job) at 10, 100 and 1000
 * applications, with the real per-request loaders and with a one-query-per-entity variant: the
 * same resolvers whose loaders never batch, which is what resolvers without DataLoader cost.
 */
export const QUERY = `{ jobs(first: 100) { edges { node { title applications(first: 100) { edges { node { stage candidate { name applications { stage job { title } } } } } } } } } }`;
const SIZES = [10, 100, 1000];

export type AnyDef = SubgraphDefinition<
  RequestContext & { loaders: Record<string, DataLoader<unknown, unknown, unknown>> }
>;

/** Same subgraph, but every loader call is its own query (no batching, no per-request cache). */
function oneQueryPerEntity(def: AnyDef): AnyDef {
  return {
    ...def,
    context(base, db) {
      const ctx = def.context(base, db);
      const names = Object.keys(ctx.loaders);
      const loaders: Record<string, DataLoader<unknown, unknown, unknown>> = {};
      for (const name of names) {
        loaders[name] = new DataLoader(
          (keys) => Promise.all(keys.map((k) => def.context(base, db).loaders[name]!.load(k))),
          { batch: false, cache: false },
        );
      }
      return { ...ctx, loaders };
    },
  };
}

/** A tenant with `applications` applications spread over up to 100 jobs; returns its id. */
export async function seed(db: Db, applications: number): Promise<string> {
  const tenant = await new TenantRepository(db, BUILT_IN_PLAN_LIMITS).create({
    slug: `bench-${applications}-${Date.now()}`,
    name: 'Bench',
    plan: 'ENTERPRISE',
  });
  const jobs = new JobRepository(db, tenant._id);
  const candidates = new CandidateRepository(db, tenant._id);
  const jobCount = Math.max(1, Math.min(100, Math.round(applications / 10)));
  const jobIds: ObjectId[] = [];
  for (let i = 0; i < jobCount; i++)
    jobIds.push(
      (
        await jobs.createJob({
          title: `Job ${i}`,
          description: 'd',
          requiredSkills: [],
          niceToHaveSkills: [],
          minYearsExperience: 0,
          location: null,
        })
      )._id,
    );
  for (let i = 0; i < applications; i++) {
    const c = await candidates.create(
      {
        name: `C${i}`,
        email: `c${i}@bench.io`,
        phone: null,
        location: null,
        headline: null,
        skills: [],
        yearsExperience: 1,
        resumeText: null,
      },
      null,
    );
    await jobs.apply(jobIds[i % jobCount]!, c!._id);
  }
  return tenant._id.toHexString();
}

export async function stackWith(config: Config, mongoUri: string, wrap: (d: AnyDef) => AnyDef) {
  const started: RunningSubgraph[] = [];
  const start = async (def: SubgraphDefinition<never>) => {
    const s = await startSubgraph(wrap(def as unknown as AnyDef), { config, mongoUri, port: 0 });
    started.push(s);
    return s;
  };
  const tenant = await start(tenantSubgraph(config) as never);
  const candidate = await start(candidateSubgraph({ tenantUrl: tenant.url }) as never);
  const job = await start(jobSubgraph({ candidateUrl: candidate.url }) as never);
  const assessment = await start(
    assessmentSubgraph({ config, candidateUrl: candidate.url, jobUrl: job.url, tenantUrl: tenant.url }) as never,
  );
  const gateway = await startGateway({
    config,
    port: 0,
    subgraphUrls: { tenant: tenant.url, candidate: candidate.url, job: job.url, assessment: assessment.url },
  });
  return {
    url: gateway.url,
    finds: async () => {
      let n = 0;
      for (const s of started) for (const v of (await s.metrics.mongoCommands.get()).values) n += v.value;
      return n;
    },
    close: async () => {
      await gateway.close();
      for (const s of started) await s.close();
    },
  };
}

export async function benchGraph(): Promise<string> {
  const mongo = await EmbeddedMongo.start();
  // At the default limits: demand control estimates the query at 230,301, under LIMIT_MAX_COST (300,000).
  const config = loadConfig({ ...TEST_ENV, MONGODB_DB: 'bench_graph', LOG_LEVEL: 'silent' });
  const rows: Array<Array<string | number>> = [];
  try {
    const variants = [
      { label: 'DataLoader (batched)', wrap: (d: AnyDef) => d },
      { label: 'one query per entity', wrap: oneQueryPerEntity },
    ];
    const seedStack = await stackWith(config, mongo.uri, (d) => d);
    const tenants: Record<number, string> = {};
    const { MongoClient } = await import('mongodb');
    const client = await MongoClient.connect(mongo.uri);
    for (const n of SIZES) tenants[n] = await seed(client.db(config.MONGODB_DB), n);
    await client.close();
    await seedStack.close();
    for (const v of variants) {
      const stack = await stackWith(config, mongo.uri, v.wrap);
      try {
        for (const n of SIZES) {
          const token = await signToken(TEST_JWT_SECRET, { sub: 'bench', tid: tenants[n], roles: ['viewer'] });
          const run = () => postGraphql(stack.url, token, QUERY);
          await run();
          const before = await stack.finds();
          await run();
          const commands = (await stack.finds()) - before;
          const reps = n >= 1000 ? 5 : 20;
          const t = await timeEach(reps, run);
          rows.push([n, v.label, commands, fmt(percentile(t.samples, 50)), fmt(percentile(t.samples, 99))]);
        }
      } finally {
        await stack.close();
      }
    }
  } finally {
    await mongo.close();
  }
  return [
    '### Federated deep query: DataLoader vs one query per entity',
    table(['applications', 'resolvers', 'MongoDB commands', 'p50 ms', 'p99 ms'], rows),
  ].join('\n');
}
