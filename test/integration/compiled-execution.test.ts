import fc from 'fast-check';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { parse } from 'graphql';
import { MongoClient, ObjectId } from 'mongodb';
import { signToken } from '../../shared/auth';
import { loadConfig } from '../../shared/config';
import { errors } from '../../shared/errors';
import { compiledExecution } from '../../shared/graphql/compiled-execution';
import { startSubgraph, type RunningSubgraph } from '../../shared/graphql/subgraph-server';
import { JobRepository } from '../../subgraphs/job/repository';
import { jobSubgraph } from '../../subgraphs/job/server';
import { leafFields } from '../support/schema-fields';
import { startTestMongo, uniqueDbName, type TestMongo } from '../support/mongo';
import { TEST_ENV, TEST_JWT_SECRET } from '../support/secrets';

/**
 * Subgraphs execute compiled (graphql-jit, SUBGRAPH_EXECUTOR=compiled) and must answer exactly as
 * graphql-js does: the same job subgraph twice over one database, once per executor, every
 * operation sent to both and the bodies compared whole (data, errors, codes, paths, locations).
 */
let mongo: TestMongo;
let client: MongoClient;
const running: RunningSubgraph[] = [];
let compiled: RunningSubgraph;
let reference: RunningSubgraph;
let viewer: string;
const tenantId = new ObjectId();
const jobIds: string[] = [];
const candidateIds: string[] = [];
const applicationIds: string[] = [];

beforeAll(async () => {
  mongo = await startTestMongo();
  client = await MongoClient.connect(mongo.uri);
  const dbName = uniqueDbName('compiled');
  const start = async (executor: string) => {
    // Production: no stack traces, which name each executor's own frames.
    const config = loadConfig({
      ...TEST_ENV,
      NODE_ENV: 'production',
      MONGODB_DB: dbName,
      LOG_LEVEL: 'silent',
      SUBGRAPH_EXECUTOR: executor,
    });
    const subgraph = await startSubgraph(jobSubgraph({ candidateUrl: 'http://127.0.0.1:9/graphql' }), {
      config,
      mongoUri: mongo.uri,
      port: 0,
      metricsPort: 0,
    });
    running.push(subgraph);
    return subgraph;
  };
  compiled = await start('compiled');
  reference = await start('graphql-js');
  const jobs = new JobRepository(client.db(dbName), tenantId);
  for (let i = 0; i < 3; i++) {
    const job = await jobs.createJob({
      title: `Job ${i}`,
      description: `About job ${i}`,
      requiredSkills: ['TypeScript', `Skill ${i}`],
      niceToHaveSkills: [],
      minYearsExperience: i,
      location: i === 1 ? null : 'Berlin',
    });
    jobIds.push(job._id.toHexString());
  }
  for (let c = 0; c < 4; c++) {
    const candidate = new ObjectId();
    candidateIds.push(candidate.toHexString());
    for (const job of jobIds.slice(0, 1 + (c % 3)))
      applicationIds.push((await jobs.apply(new ObjectId(job), candidate))._id.toHexString());
  }
  viewer = await signToken(TEST_JWT_SECRET, { sub: 'v', tid: tenantId.toHexString(), roles: ['viewer'] });
});
afterAll(async () => {
  for (const s of running.reverse()) await s.close();
  await client?.close();
  await mongo?.close();
});

/** As the subgraphs run (shared/graphql/apollo.ts): no plugin wraps the schema's resolvers. */
const PER_FIELD_HOOKS_OFF = [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled()];

async function ask(url: string, query: string, variables: Record<string, unknown>): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${viewer}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

/** The answer of the compiled subgraph, after checking graphql-js gives the same. */
async function both(query: string, variables: Record<string, unknown> = {}) {
  // An operation is compiled when it comes again: the second answer is the compiled one.
  const [first, expected] = await Promise.all([
    ask(compiled.url, query, variables),
    ask(reference.url, query, variables),
  ]);
  const got = await ask(compiled.url, query, variables);
  expect(first).toEqual(expected);
  expect(got).toEqual(expected);
  return got as {
    status: number;
    body: { data?: Record<string, unknown>; errors?: Array<{ extensions: { code: string } }> };
  };
}

test('a page of jobs with omitted variables, defaults, counts, nested pages, enums and dates', async () => {
  const { body } = await both(
    `query($first: Int, $after: String) { jobs(first: $first, after: $after) { totalCount
      edges { cursor node { __typename id title location status createdAt requiredSkills minYearsExperience
        pipeline { stage count }
        applications(first: 2) { totalCount pageInfo { hasNextPage endCursor }
          edges { node { id stage createdAt job { title } candidate { id } } } } } } } }`,
  );
  const jobs = body.data!.jobs as { totalCount: number; edges: unknown[] };
  expect(jobs.totalCount).toBe(3);
  expect(jobs.edges).toHaveLength(3);
});

test('entities: a variable inside a representation literal, and representations as a variable', async () => {
  const one = await both(
    `query($id: ID!) { _entities(representations: [{ __typename: "Job", id: $id }]) { ... on Job { id title } } }`,
    { id: jobIds[0] },
  );
  expect(one.body.data).toEqual({ _entities: [{ id: jobIds[0], title: 'Job 0' }] });
  const many = await both(
    `query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Candidate { applications(first: 3) { stage job { title } } } ... on Application { id stage } } }`,
    {
      r: [
        ...candidateIds.map((id) => ({ __typename: 'Candidate', id })),
        { __typename: 'Application', id: applicationIds[0] },
        { __typename: 'Application', id: new ObjectId().toHexString() },
      ],
    },
  );
  const entities = many.body.data!._entities as unknown[];
  expect(entities).toHaveLength(candidateIds.length + 2);
  expect(entities.at(-1)).toBeNull();
});

test('errors keep their codes, paths and locations, and data its nulls', async () => {
  const bad = await both('{ job(id: "nope") { id } jobs(first: 0) { totalCount } }');
  expect(bad.body.errors?.map((e) => e.extensions.code).sort()).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
  const missing = await both('query($id: ID!) { job(id: $id) { id } }', { id: new ObjectId().toHexString() });
  expect(missing.body.data).toEqual({ job: null });
  const forbidden = await both('mutation { closeJob(id: "65a000000000000000000001") { id } }');
  expect(forbidden.body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
  const wrongVariable = await both('query($n: Int) { jobs(first: $n) { totalCount } }', { n: 'ten' });
  expect(wrongVariable.body.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
});

test('as a property: any selection of a job, with aliases, fragments and @skip/@include, answers alike', async () => {
  const fields = [
    ...leafFields('job', 'Job'),
    'pipeline { stage count }',
    'applications(first: 1) { totalCount edges { node { stage } } }',
  ];
  const selection = fc.record({
    picked: fc.subarray(fields, { minLength: 1 }),
    alias: fc.boolean(),
    skipped: fc.subarray(fields),
    asFragment: fc.boolean(),
    flag: fc.boolean(),
  });
  await fc.assert(
    fc.asyncProperty(selection, async ({ picked, alias, skipped, asFragment, flag }) => {
      const body = picked
        .map((f, i) => {
          const skip = skipped.includes(f) ? ' @skip(if: $flag)' : '';
          const field = f.includes(' {') ? f.replace(' {', `${skip} {`) : `${f}${skip}`;
          return `${alias ? `a${i}: ` : ''}${field}`;
        })
        .join(' ');
      const query = asFragment
        ? `query($flag: Boolean!) { jobs(first: 3) { edges { node { ...F } } } } fragment F on Job { __typename @skip(if: $flag) ${body} }`
        : `query($flag: Boolean!) { jobs(first: 3) { edges { node { __typename @skip(if: $flag) ${body} } } } }`;
      const { body: answer } = await both(query, { flag });
      expect(answer.errors).toBeUndefined();
    }),
    { numRuns: 40 },
  );
});

test('under Apollo Server, graphql-jit errors read as graphql-js ones, a resolver error keeping its code', async () => {
  const schema = buildSubgraphSchema({
    typeDefs: parse('type Query { missing: String! broken: String fine: Int }'),
    resolvers: {
      Query: {
        missing: () => null,
        broken: () => {
          throw errors.notFound('Thing', 'x');
        },
        fine: () => 1,
      },
    },
  });
  const plugins = PER_FIELD_HOOKS_OFF;
  const servers = [
    new ApolloServer({ gateway: compiledExecution(schema), plugins }),
    new ApolloServer({ schema, plugins }),
  ];
  const answers = [];
  for (const server of servers) {
    await server.start();
    try {
      // Twice: the second runs compiled.
      await server.executeOperation({ query: '{ fine broken missing }' });
      const response = await server.executeOperation({ query: '{ fine broken missing }' });
      if (response.body.kind !== 'single') throw new Error(`expected a single result, received ${response.body.kind}`);
      answers.push(response.body.singleResult);
    } finally {
      await server.stop();
    }
  }
  const [got, expected] = answers;
  expect(got).toEqual(expected);
  expect(got!.data).toBeNull();
  expect(got!.errors?.map((e) => e.extensions?.code).sort()).toEqual(['INTERNAL_SERVER_ERROR', 'NOT_FOUND']);
});

test('an operation runs on graphql-js the first time and compiled from the second', async () => {
  // Told apart by a function-valued property, which only graphql-js's default resolver calls.
  const schema = buildSubgraphSchema({
    typeDefs: parse('type Query { thing: Thing } type Thing { lazy: Int }'),
    resolvers: { Query: { thing: () => ({ lazy: () => 7 }) } },
  });
  const server = new ApolloServer({
    gateway: compiledExecution(schema),
    plugins: PER_FIELD_HOOKS_OFF,
  });
  await server.start();
  try {
    const ask = async (query: string) => {
      const response = await server.executeOperation({ query });
      if (response.body.kind !== 'single') throw new Error(`expected a single result, received ${response.body.kind}`);
      return response.body.singleResult;
    };
    expect((await ask('{ thing { lazy } }')).data).toEqual({ thing: { lazy: 7 } });
    const second = await ask('{ thing { lazy } }');
    expect(second.data).toEqual({ thing: { lazy: null } });
    expect(second.errors?.[0]?.message).toMatch(/Int cannot represent non-integer value/);
    // Another text is new again: graphql-js.
    expect((await ask('query Again { thing { lazy } }')).data).toEqual({ thing: { lazy: 7 } });
  } finally {
    await server.stop();
  }
});
