import { ApolloGateway, buildOperationContext, executeQueryPlan } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, parse } from 'graphql';
import { Registry } from 'prom-client';
import { composeSdl } from '../../gateway/compose';
import { CleanupStack } from '../../shared/cleanup-stack';
import type { SubgraphResolvers } from '../../shared/graphql/subgraph-server';
import { federatedGraph, PlanExecutor } from '../../gateway/execution/plan/plan-executor';
import { subgraphFetching, type SubgraphSource } from '../../gateway/execution/subgraph-source';

/**
 * @context / @fromContext (federation 2.8) through the gateway's plan executor, against two real
 * subgraphs. `shops` sets the contexts and has the fields whose arguments come from them; `details`
 * owns the values the contexts select (currency, grain, alloy, region), so each contextual argument
 * is only known once another fetch has run, and the gateway must pass it as the fetch's variable,
 * per entity. Every contextual field echoes the argument it received.
 */
const SHOPS = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.8",
  import: ["@key", "@context", "@fromContext", "@external"])
type Query { shops: [Shop!]! shelves: [Shelf!]! }
type Shop @key(fields: "id") @context(name: "shop") { id: ID! currency: String @external items: [Item!]! }
type Item @key(fields: "id") { id: ID! tag: Tag! price(currency: String @fromContext(field: "$shop { currency }")): String!
  stock(currency: String @fromContext(field: "$shop { currency }")): Int }
type Tag @key(fields: "id") { id: ID! note(currency: String @fromContext(field: "$shop { currency }")): String! }
union Shelf @context(name: "shelf") = Wooden | Metal
type Wooden @key(fields: "id") { id: ID! grain: String! @external box: Box! }
type Metal @key(fields: "id") { id: ID! alloy: String! @external box: Box! }
type Box @key(fields: "id") {
  id: ID!
  label(material: String @fromContext(field: "$shelf ... on Wooden { grain } ... on Metal { alloy }")): String!
}
type Market @key(fields: "id") @context(name: "market") { id: ID! region: String @external stalls: [Stall!]! }
type Stall @key(fields: "name") { name: String! fee(region: String @fromContext(field: "$market { region }")): String! }`;

const DETAILS = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.8", import: ["@key"])
type Query { markets: [Market!]! }
type Shop @key(fields: "id") { id: ID! currency: String }
type Wooden @key(fields: "id") { id: ID! grain: String! }
type Metal @key(fields: "id") { id: ID! alloy: String! }
type Market @key(fields: "id") { id: ID! region: String }`;

/** s1 and s3 both hold i1: one entity, two contexts. s4's currency is null; s5 has none (details knows no s5). */
const SHOP_ITEMS: Record<string, string[]> = { s1: ['i1', 'i2'], s2: ['i3'], s3: ['i1'], s4: ['i2'], s5: ['i3'] };
const CURRENCIES: Record<string, string | null> = { s1: 'EUR', s2: 'USD', s3: 'JPY', s4: null };
const REGIONS: Record<string, string> = { k1: 'EU', k2: 'US', k3: 'EU' };

type Ref = { id: string };
const echo = (id: string, value: string | null | undefined) => `${id} with ${value ?? 'none'}`;
const shopsResolvers = {
  Query: {
    shops: () => Object.keys(SHOP_ITEMS).map((id) => ({ id })),
    shelves: () => [
      { __typename: 'Wooden', id: 'w1' },
      { __typename: 'Metal', id: 'm1' },
      { __typename: 'Wooden', id: 'w2' },
    ],
  },
  Shelf: { __resolveType: (s: { __typename: string }) => s.__typename },
  Shop: { __resolveReference: (r: Ref) => r, items: (s: Ref) => SHOP_ITEMS[s.id]!.map((id) => ({ id })) },
  Item: {
    __resolveReference: (r: Ref) => r,
    tag: (i: Ref) => ({ id: `t${i.id}` }),
    price: (i: Ref, a: { currency?: string | null }) => echo(i.id, a.currency),
    stock: (i: Ref, a: { currency?: string | null }) => {
      if (a.currency === 'JPY')
        throw new GraphQLError(`no stock of ${i.id} in JPY`, { extensions: { code: 'NO_STOCK' } });
      return i.id.length;
    },
  },
  Tag: { __resolveReference: (r: Ref) => r, note: (t: Ref, a: { currency?: string | null }) => echo(t.id, a.currency) },
  Wooden: { __resolveReference: (r: Ref) => r, box: (s: Ref) => ({ id: `b${s.id}` }) },
  Metal: { __resolveReference: (r: Ref) => r, box: (s: Ref) => ({ id: `b${s.id}` }) },
  Box: {
    __resolveReference: (r: Ref) => r,
    label: (b: Ref, a: { material?: string | null }) => echo(b.id, a.material),
  },
  Market: {
    __resolveReference: (r: Ref) => r,
    stalls: (m: Ref) => [{ name: `${m.id}a` }, { name: `${m.id}b` }],
  },
  Stall: {
    __resolveReference: (r: { name: string }) => r,
    fee: (s: { name: string }, a: { region?: string | null }) => echo(s.name, a.region),
  },
};
const detailsResolvers = {
  Query: { markets: () => Object.entries(REGIONS).map(([id, region]) => ({ id, region })) },
  Shop: { __resolveReference: (r: Ref) => (r.id in CURRENCIES ? { id: r.id, currency: CURRENCIES[r.id] } : null) },
  Wooden: { __resolveReference: (r: Ref) => ({ id: r.id, grain: `oak ${r.id}` }) },
  Metal: { __resolveReference: (r: Ref) => ({ id: r.id, alloy: `steel ${r.id}` }) },
  Market: { __resolveReference: (r: Ref) => ({ id: r.id, region: REGIONS[r.id] }) },
};

const supergraphSdl = composeSdl([
  { name: 'shops', url: 'http://shops.invalid/graphql', typeDefs: SHOPS },
  { name: 'details', url: 'http://details.invalid/graphql', typeDefs: DETAILS },
]);

/** Each entity fetch the shops subgraph received: its variables, representations included. */
const shopsFetches: Array<Record<string, unknown>> = [];
const recordFetches: ApolloServerPlugin = {
  async requestDidStart({ request }) {
    if (request.variables?.representations) shopsFetches.push(request.variables);
  },
};

const cleanup = new CleanupStack();
let executor: PlanExecutor;
let services: Record<string, SubgraphSource>;
afterAll(() => cleanup.close());

beforeAll(async () => {
  const urls: Record<string, string> = {};
  const subgraphs = [
    { name: 'shops', typeDefs: SHOPS, resolvers: shopsResolvers, plugins: [recordFetches] },
    { name: 'details', typeDefs: DETAILS, resolvers: detailsResolvers, plugins: [] },
  ];
  for (const { name, typeDefs, resolvers, plugins } of subgraphs) {
    const schema = buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers: resolvers as SubgraphResolvers });
    const server = new ApolloServer({ schema, plugins: [...plugins, ApolloServerPluginInlineTraceDisabled()] });
    const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
    cleanup.defer(() => server.stop());
    urls[name] = url;
  }
  const config = { SUBGRAPH_TIMEOUT_MS: 10_000, SUBGRAPH_COMPRESSION: false, DEDUPLICATE_REQUESTS: false };
  const fetching = subgraphFetching(config, new Registry(), () => {});
  cleanup.defer(() => fetching.agent.destroy());
  services = { shops: fetching.sourceFor('shops', urls.shops!), details: fetching.sourceFor('details', urls.details!) };
  executor = new PlanExecutor(federatedGraph(supergraphSdl));
});

function requestOf(variables: Record<string, unknown> = {}): GatewayGraphQLRequestContext {
  const given: Partial<GatewayGraphQLRequestContext> = { request: { variables }, context: {}, metrics: {} };
  return {
    ...given,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  } as unknown as GatewayGraphQLRequestContext;
}

async function run(query: string, variables?: Record<string, unknown>) {
  const compiled = executor.compile(parse(query), undefined);
  return executor.run(compiled, compiled.plan, services, requestOf(variables));
}

/** The shops subgraph's entity fetches: each one's contextual value ('absent' when not sent) and representations' ids. */
function sentFetches() {
  return shopsFetches.map((v) => {
    const names = Object.keys(v).filter((k) => k.startsWith('contextualArgument_'));
    expect(names.length).toBeLessThanOrEqual(1);
    return { value: names[0] ? v[names[0]] : 'absent', ids: (v.representations as Ref[]).map((r) => r.id) };
  });
}

/** The fetches sent, by context value and entity ids: exactly these, in any order. */
function expectSentInAnyOrder(expected: Array<{ value: unknown; ids: string[] }>): void {
  const sent = sentFetches();
  expect(sent).toHaveLength(expected.length);
  expect(sent).toEqual(expect.arrayContaining(expected));
}

const SHOPS_QUERY = '{ shops { id items { id price tag { note } } } }';
const EXPECTED_SHOPS = [
  {
    id: 's1',
    items: [
      { id: 'i1', price: 'i1 with EUR', tag: { note: 'ti1 with EUR' } },
      { id: 'i2', price: 'i2 with EUR', tag: { note: 'ti2 with EUR' } },
    ],
  },
  { id: 's2', items: [{ id: 'i3', price: 'i3 with USD', tag: { note: 'ti3 with USD' } }] },
  { id: 's3', items: [{ id: 'i1', price: 'i1 with JPY', tag: { note: 'ti1 with JPY' } }] },
  { id: 's4', items: [{ id: 'i2', price: 'i2 with none', tag: { note: 'ti2 with none' } }] },
  { id: 's5', items: [{ id: 'i3', price: 'i3 with none', tag: { note: 'ti3 with none' } }] },
];

test('the planner encodes the context as `..` paths to the parent and contextualArgument variables', () => {
  const { plan } = executor.compile(parse(SHOPS_QUERY), undefined);
  const text = JSON.stringify(plan);
  expect(text).toContain('{"kind":"KeyRenamer","path":["..","... on Shop","currency"]');
  expect(text).toContain('{"kind":"KeyRenamer","path":["..","..","... on Shop","currency"]');
  expect(text).toMatch(/price\(currency:\$contextualArgument_\d+_\d+\)/);
});

test('a list of parents with different contexts: each child gets its own parent’s value, one and two levels down', async () => {
  const result = await run(SHOPS_QUERY);
  expect(result.errors).toBeUndefined();
  expect(result.data).toEqual({ shops: EXPECTED_SHOPS });
});

test('the same entity under two parents is fetched once per context value, never merged across them', async () => {
  shopsFetches.length = 0;
  await run('{ shops { items { price } } }');
  // EUR (s1: i1, i2), USD (s2: i3), JPY (s3: i1), null (s4: i2), and s5 whose currency is unknown.
  expectSentInAnyOrder([
    { value: 'EUR', ids: ['i1', 'i2'] },
    { value: 'USD', ids: ['i3'] },
    { value: 'JPY', ids: ['i1'] },
    { value: null, ids: ['i2'] },
    { value: 'absent', ids: ['i3'] },
  ]);
});

test('a context on a union, selected through type conditions (... on Wooden / ... on Metal)', async () => {
  const result = await run(
    '{ shelves { __typename ... on Wooden { id box { label } } ... on Metal { id box { label } } } }',
  );
  expect(result.errors).toBeUndefined();
  expect(result.data).toEqual({
    shelves: [
      { __typename: 'Wooden', id: 'w1', box: { label: 'bw1 with oak w1' } },
      { __typename: 'Metal', id: 'm1', box: { label: 'bm1 with steel m1' } },
      { __typename: 'Wooden', id: 'w2', box: { label: 'bw2 with oak w2' } },
    ],
  });
});

test('a context read from the fetched entity itself: one fetch per distinct value, entities with equal values together', async () => {
  const query = '{ markets { id stalls { name fee } } }';
  // The fetch of markets' stalls reads `region` on each Market entity it is sent: no `..`.
  expect(JSON.stringify(executor.compile(parse(query), undefined).plan)).toContain('"path":["region"]');
  shopsFetches.length = 0;
  const result = await run(query);
  expect(result.errors).toBeUndefined();
  expect(result.data).toEqual({
    markets: ['k1', 'k2', 'k3'].map((id) => ({
      id,
      stalls: ['a', 'b'].map((s) => ({ name: `${id}${s}`, fee: `${id}${s} with ${REGIONS[id]}` })),
    })),
  });
  expectSentInAnyOrder([
    { value: 'EU', ids: ['k1', 'k3'] },
    { value: 'US', ids: ['k2'] },
  ]);
});

test('a client variable named like a contextual argument is never passed on', async () => {
  const { plan } = executor.compile(parse(SHOPS_QUERY), undefined);
  const names = new Set(JSON.stringify(plan).match(/contextualArgument_\d+_\d+/g));
  expect(names.size).toBe(2);
  const forged = Object.fromEntries([...names].map((n) => [n, 'FORGED']));
  // s5's currency is not found (so not sent): the forged value must not take its place.
  const result = await run(SHOPS_QUERY, forged);
  expect(result.data).toEqual({ shops: EXPECTED_SHOPS });
});

test('an error on an entity of one context group gets that entity’s path', async () => {
  const result = await run('{ shops { id items { id stock } } }');
  expect(result.errors?.map((e) => ({ message: e.message, path: e.path, code: e.extensions.code }))).toEqual([
    { message: 'no stock of i1 in JPY', path: ['shops', 2, 'items', 0, 'stock'], code: 'NO_STOCK' },
  ]);
  const shops = (result.data as { shops: Array<{ id: string; items: Array<{ stock: number | null }> }> }).shops;
  expect(shops.map((s) => s.items.map((i) => i.stock))).toEqual([[2, 2], [2], [null], [2], [2]]);
});

test('@apollo/gateway cannot serve it: it refuses the supergraph, and its executor drops the context', async () => {
  const apollo = new ApolloGateway({ supergraphSdl });
  await expect(apollo.load()).rejects.toThrow(/context\/v0\.1 is for: SECURITY but is unsupported/);
  const document = parse('{ shops { id items { id price } } }');
  const compiled = executor.compile(document, undefined);
  const theirs = await executeQueryPlan(
    compiled.plan,
    services,
    requestOf(),
    buildOperationContext({ schema: executor.graph.schema, operationDocument: document }),
    executor.graph.supergraphSchema,
    executor.graph.apiSchema,
  );
  const prices = (theirs.data as { shops: Array<{ items: Array<{ price: string }> }> }).shops.flatMap((s) =>
    s.items.map((i) => i.price),
  );
  expect(prices).toEqual([
    'i1 with none',
    'i2 with none',
    'i3 with none',
    'i1 with none',
    'i2 with none',
    'i3 with none',
  ]);
});
