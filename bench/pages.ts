import { MongoClient, ObjectId, type Db } from 'mongodb';
import { EmbeddedMongo } from '@hiregraph/embedded-mongo';
import { signToken } from '../shared/auth';
import { loadConfig } from '../shared/config';
import { BUILT_IN_PLAN_LIMITS } from '../shared/plans';
import { JobRepository } from '../subgraphs/job/repository';
import { TenantRepository } from '../subgraphs/tenant/repository';
import { stackWith } from './graph';
import { fmt, percentile, table, timeEach } from './stats';
import { TEST_ENV, TEST_JWT_SECRET } from '../test/support/secrets';
import { postGraphql } from './gql';

/**
 * Issue 21: a page of 1 application of a job with 5,000 applications against one of a job with
 * 1, in the same run through the gateway: median of 20, with the documents MongoDB examined for
 * one query (serverStatus metrics.queryExecutor.scannedObjects, which the embedded server keeps).
 */
const QUERY = `query($id: ID!) { job(id: $id) { applications(first: 1) { edges { node { id stage } } pageInfo { hasNextPage } } } }`;
const BIG = 5000;

async function seed(db: Db): Promise<{ tenant: string; big: string; small: string }> {
  const tenant = await new TenantRepository(db, BUILT_IN_PLAN_LIMITS).create({
    slug: `bench-pages-${Date.now()}`,
    name: 'Bench',
    plan: 'ENTERPRISE',
  });
  const jobs = new JobRepository(db, tenant._id);
  const job = async (title: string) =>
    (
      await jobs.createJob({
        title,
        description: 'd',
        requiredSkills: [],
        niceToHaveSkills: [],
        minYearsExperience: 0,
        location: null,
      })
    )._id;
  const [big, small] = [await job('big'), await job('small')];
  const app = (jobId: ObjectId) => ({
    _id: new ObjectId(),
    tenantId: tenant._id,
    jobId,
    candidateId: new ObjectId(),
    stage: 'APPLIED',
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  await db.collection('applications').insertMany([...Array.from({ length: BIG }, () => app(big)), app(small)]);
  return { tenant: tenant._id.toHexString(), big: big.toHexString(), small: small.toHexString() };
}

export async function benchPages(): Promise<string> {
  const mongo = await EmbeddedMongo.start();
  const config = loadConfig({ ...TEST_ENV, MONGODB_DB: 'bench_pages', LOG_LEVEL: 'silent' });
  const client = await MongoClient.connect(mongo.uri);
  const rows: Array<Array<string | number>> = [];
  try {
    const stack = await stackWith(config, mongo.uri, (d) => d);
    try {
      const ids = await seed(client.db(config.MONGODB_DB));
      const token = await signToken(TEST_JWT_SECRET, { sub: 'bench', tid: ids.tenant, roles: ['viewer'] });
      const scanned = async () =>
        Number((await client.db('admin').command({ serverStatus: 1 })).metrics?.queryExecutor?.scannedObjects ?? NaN);
      const run = (id: string) => () => postGraphql(stack.url, token, QUERY, { id });
      const jobs = [
        { label: 'job with 1', id: ids.small, size: 1 },
        { label: `job with ${BIG}`, id: ids.big, size: BIG },
      ];
      // Warm both first (JIT, connections, cached tenant limits), then alternate them so warm-up,
      // garbage collection and a busy neighbour fall on both alike.
      for (let i = 0; i < 20; i++) for (const j of jobs) await run(j.id)();
      const examined: number[] = [];
      for (const j of jobs) {
        const before = await scanned();
        await run(j.id)();
        examined.push((await scanned()) - before);
      }
      const samples: number[][] = jobs.map(() => []);
      for (let i = 0; i < 20; i++)
        for (const [k, j] of jobs.entries()) samples[k]!.push((await timeEach(1, run(j.id))).samples[0]!);
      for (const [k, j] of jobs.entries())
        rows.push([j.label, j.size, examined[k]!, fmt(percentile(samples[k]!, 50)), fmt(percentile(samples[k]!, 99))]);
    } finally {
      await stack.close();
    }
  } finally {
    await client.close();
    await mongo.close();
  }
  return [
    '### A page of 1 application: job with 1 vs job with 5,000',
    table(['job', 'applications', 'documents examined per query', 'p50 ms', 'p99 ms'], rows),
  ].join('\n');
}
