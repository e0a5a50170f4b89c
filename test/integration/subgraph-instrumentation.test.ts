import { signToken } from '../../shared/auth';
import { loadConfig } from '../../shared/config';
import { startSubgraph, type RunningSubgraph } from '../../shared/graphql/subgraph-server';
import { tenantSubgraph } from '../../subgraphs/tenant/server';
import { startTestMongo, uniqueDbName, type TestMongo } from '../support/mongo';
import { TEST_ENV, TEST_JWT_SECRET } from '../support/secrets';

/**
 * A subgraph answers Apollo's inline-trace request (what a router reporting to Apollo Studio
 * sends) only with SUBGRAPH_INLINE_TRACES: by default nothing times its resolvers. Its answers are
 * compact JSON, as a gateway reads them.
 */
let mongo: TestMongo;
const running: RunningSubgraph[] = [];
beforeAll(async () => {
  mongo = await startTestMongo();
});
afterAll(async () => {
  for (const s of running.reverse()) await s.close();
  await mongo?.close();
});

async function tenantSubgraphWith(env: Record<string, string>): Promise<RunningSubgraph> {
  const config = loadConfig({ ...TEST_ENV, MONGODB_DB: uniqueDbName('instrumentation'), LOG_LEVEL: 'silent', ...env });
  const subgraph = await startSubgraph(tenantSubgraph(config), { config, mongoUri: mongo.uri, port: 0 });
  running.push(subgraph);
  return subgraph;
}

interface Answer {
  data: unknown;
  extensions?: Record<string, unknown>;
}

async function askForTrace(url: string): Promise<Answer & { text: string }> {
  const token = await signToken(TEST_JWT_SECRET, { sub: 'u', tid: '65a000000000000000000001', roles: ['viewer'] });
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'apollo-federation-include-trace': 'ftv1',
    },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  expect(res.status).toBe(200);
  const text = await res.text();
  return { ...(JSON.parse(text) as Answer), text };
}

test('by default a subgraph asked for an inline trace answers without one', async () => {
  const subgraph = await tenantSubgraphWith({});
  const body = await askForTrace(subgraph.url);
  expect(body.data).toEqual({ __typename: 'Query' });
  expect(body.extensions?.ftv1).toBeUndefined();
  // Written for a gateway, not a person: no indentation.
  expect(body.text).toBe('{"data":{"__typename":"Query"}}');
});

test('with SUBGRAPH_INLINE_TRACES a subgraph asked for an inline trace sends it', async () => {
  const subgraph = await tenantSubgraphWith({ SUBGRAPH_INLINE_TRACES: 'true' });
  const body = await askForTrace(subgraph.url);
  expect(body.data).toEqual({ __typename: 'Query' });
  expect(typeof body.extensions?.ftv1).toBe('string');
  expect((body.extensions?.ftv1 as string).length).toBeGreaterThan(10);
});
