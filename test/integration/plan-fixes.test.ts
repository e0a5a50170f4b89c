import { RemoteGraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { composeSdl } from '../../gateway/compose';
import { federatedGraph, PlanExecutor } from '../../gateway/execution/plan/plan-executor';

/**
 * The plan executor where Apollo's planner (2.14) plans wrong, each in the shape of its federation
 * audit suite, over real subgraphs: @requires with arguments (requires-with-argument,
 * requires-with-argument-conflict), a key declared `resolvable: false` (keys-mashup), and a field
 * no subgraph can resolve (non-resolvable-interface-object). Each case gives a wrong answer, or
 * none of the error, with the plan as Apollo's planner makes it.
 */
const FED = (imports: string) =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: [${imports}])`;

interface Subgraph {
  name: string;
  typeDefs: string;
  resolvers: Record<string, unknown>;
}

const servers: ApolloServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.stop())));

/** The subgraphs served on port 0 and the plan executor over their composed supergraph. */
async function gateway(subgraphs: Subgraph[]) {
  const services: ServiceMap = {};
  const defs = [];
  for (const s of subgraphs) {
    const typeDefs = parse(s.typeDefs);
    const server = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs, resolvers: s.resolvers as never }) });
    servers.push(server);
    const { url } = await startStandaloneServer(server, { listen: { port: 0 } });
    services[s.name] = new RemoteGraphQLDataSource({ url });
    defs.push({ name: s.name, url, typeDefs });
  }
  const executor = new PlanExecutor(federatedGraph(composeSdl(defs)));
  return async (query: string) => {
    const operation = executor.compile(parse(query), undefined);
    const request = {
      request: { variables: {} },
      context: {},
      metrics: {},
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    } as unknown as GatewayGraphQLRequestContext;
    return JSON.parse(JSON.stringify(await executor.run(operation, operation.plan, services, request))) as unknown;
  };
}

const posts = [{ id: 'p1' }, { id: 'p2' }];
const comments = [
  { id: 'c1', postId: 'p1', authorId: 'a1' },
  { id: 'c2', postId: 'p1', authorId: 'a1' },
  { id: 'c3', postId: 'p1', authorId: 'a2' },
  { id: 'c4', postId: 'p2', authorId: 'a1' },
  { id: 'c5', postId: 'p2', authorId: 'a2' },
  { id: 'c6', postId: 'p2', authorId: 'a3' },
];
const commentsOf = (post: { id: string }, { limit }: { limit: number }) =>
  comments.filter((c) => c.postId === post.id).slice(0, limit);

test('a @requires of a field with other arguments than the client asks: each gets its own (requires-with-argument)', async () => {
  const query = await gateway([
    {
      name: 'posts',
      typeDefs: `${FED('"@key"')}
        type Query { feed: [Post] }
        type Post @key(fields: "id") { id: ID! }
        type Comment @key(fields: "id") { id: ID! authorId: ID }`,
      resolvers: {
        Query: { feed: () => posts },
        Comment: { __resolveReference: (k: { id: string }) => comments.find((c) => c.id === k.id) },
      },
    },
    {
      name: 'authors',
      typeDefs: `${FED('"@key", "@external", "@requires"')}
        type Post @key(fields: "id") {
          id: ID!
          comments(limit: Int!): [Comment]
          lastAuthor: ID @requires(fields: "comments(limit: 3) { authorId }")
        }
        type Comment @key(fields: "id") { id: ID! authorId: ID @external }`,
      resolvers: {
        Post: {
          __resolveReference: (k: { id: string; comments?: { authorId: string }[] }) => {
            if (k.comments && k.comments.length !== 3) throw new Error('expected 3 comments');
            return { id: k.id, lastAuthor: k.comments?.[2]?.authorId };
          },
          comments: commentsOf,
        },
        Comment: { __resolveReference: (k: { id: string }) => ({ id: k.id }) },
      },
    },
  ]);
  expect(await query('{ feed { lastAuthor comments(limit: 1) { id } } }')).toEqual({
    data: {
      feed: [
        { lastAuthor: 'a2', comments: [{ id: 'c1' }] },
        { lastAuthor: 'a3', comments: [{ id: 'c4' }] },
      ],
    },
  });
});

test('two @requires of one field with different arguments: each field computed from its own (requires-with-argument-conflict)', async () => {
  const products = [
    { upc: 'u1', usd: 10 },
    { upc: 'u2', usd: 20 },
  ];
  const query = await gateway([
    {
      name: 'products',
      typeDefs: `${FED('"@key"')}
        type Query { products: [Product] }
        type Product @key(fields: "upc") { upc: String! price(currency: String!): Int }`,
      resolvers: {
        Query: { products: () => products },
        Product: {
          __resolveReference: (k: { upc: string }) => products.find((p) => p.upc === k.upc),
          price: (p: { usd: number }, { currency }: { currency: string }) => (currency === 'EUR' ? p.usd * 2 : p.usd),
        },
      },
    },
    {
      name: 'shipping',
      typeDefs: `${FED('"@key", "@external", "@requires"')}
        type Product @key(fields: "upc") {
          upc: String!
          price(currency: String!): Int @external
          inUsd: Int @requires(fields: "price(currency: \\"USD\\")")
          inEur: Int @requires(fields: "price(currency: \\"EUR\\")")
        }`,
      resolvers: {
        Product: {
          inUsd: (p: { price: number }) => p.price,
          inEur: (p: { price: number }) => p.price,
        },
      },
    },
  ]);
  expect(await query('{ products { upc inUsd inEur price(currency: "USD") } }')).toEqual({
    data: {
      products: [
        { upc: 'u1', inUsd: 10, inEur: 20, price: 10 },
        { upc: 'u2', inUsd: 20, inEur: 40, price: 20 },
      ],
    },
  });
});

test('after a @requires, the subgraph is re-entered by a key it resolves, not one declared resolvable: false (keys-mashup)', async () => {
  const things = [{ id: '1', pId: 'p-1', name: 'one' }];
  const query = await gateway([
    {
      name: 'a',
      typeDefs: `${FED('"@key"')}
        type Thing @key(fields: "id") @key(fields: "pId", resolvable: false) { id: ID! pId: ID! name: String! }`,
      resolvers: { Thing: { __resolveReference: (k: { id: string }) => things.find((t) => t.id === k.id) } },
    },
    {
      name: 'b',
      typeDefs: `${FED('"@key", "@external", "@requires"')}
        type Query { things: [Thing!]! }
        type Thing @key(fields: "pId", resolvable: false) @key(fields: "id") {
          id: ID!
          pId: ID!
          name: String! @external
          loud: String! @requires(fields: "name")
        }`,
      resolvers: {
        Query: { things: () => things.map(({ id, pId }) => ({ id, pId })) },
        Thing: {
          __resolveReference: (k: { id?: string; name: string }) => {
            if (!k.id) throw new Error('Thing is resolved by id only');
            return { ...things.find((t) => t.id === k.id), name: k.name };
          },
          loud: (t: { name: string }) => t.name.toUpperCase(),
        },
      },
    },
  ]);
  expect(await query('{ things { id loud } }')).toEqual({ data: { things: [{ id: '1', loud: 'ONE' }] } });
});

test('a root field whose selection no subgraph can resolve is a planning error, not a silent null (non-resolvable-interface-object)', async () => {
  const query = await gateway([
    {
      name: 'a',
      typeDefs: `${FED('"@key"')}
        interface Node @key(fields: "id") { id: ID! }
        type Query { a: Node }`,
      resolvers: { Query: { a: () => ({ __typename: 'Node', id: 'n1' }) } },
    },
    {
      name: 'b',
      typeDefs: `${FED('"@key", "@interfaceObject"')}
        type Node @key(fields: "id", resolvable: false) @interfaceObject { id: ID! field: String }
        type Query { b: Node }`,
      resolvers: { Query: { b: () => ({ id: 'n1' }) }, Node: { field: () => 'foo' } },
    },
  ]);
  await expect(query('{ a { field } }')).rejects.toMatchObject({
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
    message: expect.stringContaining('root field "a"'),
  });
  expect(await query('{ b { id field } }')).toEqual({ data: { b: { id: 'n1', field: 'foo' } } });
});
