import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { buildSubgraphSchema } from '@apollo/subgraph';
import fc from 'fast-check';
import { parse, type GraphQLSchema } from 'graphql';
import { composeSdl } from '../../gateway/compose';
import { knownJson, lazyData } from '../../gateway/execution/plan/lazy-data';
import { federatedGraph, PlanExecutor } from '../../gateway/execution/plan/plan-executor';
import { hash, prng, randomAnswer } from '../support/random-answers';

/**
 * The gateway's plan executor against @apollo/gateway's, on a supergraph with what Hiregraph's own
 * lacks: interfaces, unions, an inaccessible enum value, @requires, entities three fetches deep.
 * Each subgraph answers from its schema with random values (the same for both executors: seeded by
 * the case and by what the fetch asks), some of them faulty (nulls where non-null, unknown enum
 * values and __typenames, wrong scalars, errors with paths); the two results must be equal whole.
 */
const A = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@inaccessible"])
type Query { items: [Item!]! node(id: ID!): Node search: [Result] first: Product! }
interface Node { id: ID! }
type Product implements Node @key(fields: "id") { id: ID! name: String! price: Float tags: [String!] kind: Kind! weight: Int }
type Review implements Node @key(fields: "id") { id: ID! body: String product: Product! stars: Int }
union Result = Product | Review
union Item = Product | Review
enum Kind { BOOK GAME SECRET @inaccessible }`;
const B = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])
type Product @key(fields: "id") { id: ID! weight: Int @external shippingCost: Float @requires(fields: "weight") reviews: [Review!] }
type Review @key(fields: "id") { id: ID! author: Author }
type Author { name: String! handle: String }`;

const QUERIES = [
  `{ items { __typename ... on Product { id name kind price weight shippingCost reviews { id stars author { name handle } } }
     ... on Review { id body product { name kind } } } }`,
  `query Q($s: Boolean!, $i: Boolean = true) {
     node(id: "1") { id __typename ... on Product { name @skip(if: $s) tags } ...R }
     search { ... on Node { id } ... on Review { stars author @include(if: $i) { handle n: name } } ... on Product { t: __typename kind } }
     first { id kind shippingCost p: price }
   }
   fragment R on Review { body a: author { n: name } }`,
  `{ first { reviews { product { reviews { author { name } } } } } }`,
  `{ search { kind: __typename } items { ... on Node { __typename id } } first { __typename name } }`,
];

const graph = federatedGraph(
  composeSdl([
    { name: 'a', url: 'http://a.invalid/graphql', typeDefs: A },
    { name: 'b', url: 'http://b.invalid/graphql', typeDefs: B },
  ]),
);
const executor = new PlanExecutor(graph);
const subgraphSchemas: Record<string, GraphQLSchema> = {
  a: buildSubgraphSchema({ typeDefs: parse(A) }),
  b: buildSubgraphSchema({ typeDefs: parse(B) }),
};

/** Each subgraph's answers: random from its schema, seeded by the case and by the fetch. */
function services(seed: number, faults: number): ServiceMap {
  const source = (name: string): GraphQLDataSource => ({
    async process({ request }) {
      const random = prng(seed ^ hash(`${name}\n${request.query}\n${JSON.stringify(request.variables)}`));
      const data = randomAnswer(subgraphSchemas[name]!, request.query!, request.variables, random, { faults });
      if (random() >= faults) return { data };
      const path = request.variables?.representations ? ['_entities', 0, 'id'] : undefined;
      const coded = random() < 0.5 ? { code: 'NOT_FOUND' } : undefined;
      return { data, errors: [{ message: `${name} failed`, path, extensions: coded }] };
    },
  });
  return { a: source('a'), b: source('b') };
}

function requestOf(variables: Record<string, unknown>): GatewayGraphQLRequestContext {
  const given: Partial<GatewayGraphQLRequestContext> = { request: { variables }, context: {}, metrics: {} };
  return {
    ...given,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  } as unknown as GatewayGraphQLRequestContext;
}

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

test('random answers, faults included: the same results as @apollo/gateway (fast-check)', async () => {
  let withErrors = 0;
  let withValueErrors = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        query: fc.constantFrom(...QUERIES),
        seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        s: fc.boolean(),
        i: fc.option(fc.boolean(), { nil: undefined }),
        faults: fc.constantFrom(0, 0.03, 0.15),
      }),
      async ({ query, seed, s, i, faults }) => {
        const document = parse(query);
        const variables: Record<string, unknown> = { s, ...(i === undefined ? {} : { i }) };
        const compiled = executor.compile(document, undefined);
        const ours = await executor.run(compiled, compiled.plan, services(seed, faults), requestOf(variables));
        const theirs = await executeQueryPlan(
          compiled.plan,
          services(seed, faults),
          requestOf(variables),
          buildOperationContext({ schema: graph.schema, operationDocument: document }),
          graph.supergraphSchema,
          graph.apiSchema,
        );
        expect(plain(ours)).toEqual(plain(theirs));
        // Shaped straight into text: the same text, errors and extensions.
        const text = await executor.run(compiled, compiled.plan, services(seed, faults), requestOf(variables), 'text');
        const { data, ...rest } = text;
        const { data: theirData, ...theirRest } = theirs;
        expect(plain(rest)).toEqual(plain(theirRest));
        if (theirData === undefined || theirData === null) expect(data).toBe(theirData);
        else expect(knownJson(data!)).toBe(JSON.stringify(theirData));
        if (theirs.errors) withErrors++;
        if (theirs.extensions?.valueCompletion) withValueErrors++;
      },
    ),
    { numRuns: 400 },
  );
  // The faults reached both kinds of error report, so the comparison covered them.
  expect(withErrors).toBeGreaterThan(10);
  expect(withValueErrors).toBeGreaterThan(10);
});

test('data shaped as text reads as the object it stands for, and a change drops the text', () => {
  const data = lazyData('{"a":{"b":[1,"x",null]},"__proto__":{"c":true}}')!;
  expect(knownJson(data)).toBe('{"a":{"b":[1,"x",null]},"__proto__":{"c":true}}');
  expect(Object.keys(data)).toEqual(['a', '__proto__']);
  expect(data.a).toEqual({ b: [1, 'x', null] });
  expect(JSON.stringify(data)).toBe('{"a":{"b":[1,"x",null]},"__proto__":{"c":true}}');
  expect({ ...data }).toEqual(JSON.parse('{"a":{"b":[1,"x",null]},"__proto__":{"c":true}}'));
  data.a = 1;
  expect(knownJson(data)).toBeUndefined();
  expect(JSON.stringify(data)).toBe('{"a":1,"__proto__":{"c":true}}');
  expect(lazyData('null')).toBeNull();
});

test('a change inside a nested object of the data drops the text too', () => {
  const data = lazyData('{"a":{"b":[1]},"c":"x"}')!;
  expect(data.c).toBe('x');
  expect(knownJson(data)).toBe('{"a":{"b":[1]},"c":"x"}');
  (data.a as { b: number[] }).b.push(2);
  expect(knownJson(data)).toBeUndefined();
  expect(JSON.stringify(data)).toBe('{"a":{"b":[1,2]},"c":"x"}');
});

test('a plan compiled once serves every request of its document', () => {
  const document = parse(QUERIES[0]!);
  expect(executor.compile(document, undefined)).toBe(executor.compile(document, undefined));
  expect(executor.compile(parse(QUERIES[0]!), undefined, QUERIES[0])).toBe(
    executor.compile(parse(QUERIES[0]!), undefined, QUERIES[0]),
  );
});
