import { startSmallGraph, type SmallGraph } from '../support/small-graph';

/**
 * @fromContext through the whole gateway (token check, limits, demand control, the executor): a
 * shop's currency, owned by another subgraph, reaches each of its items' `price` as an argument.
 * The plan executor's own cases (lists of differing contexts, unions, errors) are in
 * test/integration/plan-executor-context.test.ts.
 */
const SHOPS = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.8",
  import: ["@key", "@context", "@fromContext", "@external"])
type Query { shops: [Shop!]! }
type Shop @key(fields: "id") @context(name: "shop") { id: ID! currency: String @external items: [Item!]! }
type Item @key(fields: "id") { id: ID! price(currency: String @fromContext(field: "$shop { currency }")): String! }`;
const PRICES = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.8", import: ["@key"])
type Shop @key(fields: "id") { id: ID! currency: String }`;

const ITEMS: Record<string, string[]> = { s1: ['i1', 'i2'], s2: ['i1'] };
const CURRENCY: Record<string, string> = { s1: 'EUR', s2: 'JPY' };
type Ref = { id: string };

let g: SmallGraph;
beforeAll(async () => {
  g = await startSmallGraph([
    {
      name: 'shops',
      typeDefs: SHOPS,
      resolvers: {
        Query: { shops: () => Object.keys(ITEMS).map((id) => ({ id })) },
        Shop: { __resolveReference: (r: Ref) => r, items: (s: Ref) => ITEMS[s.id]!.map((id) => ({ id })) },
        Item: {
          __resolveReference: (r: Ref) => r,
          price: (i: Ref, a: { currency?: string | null }) => `${i.id} in ${a.currency ?? 'nothing'}`,
        },
      },
    },
    {
      name: 'prices',
      typeDefs: PRICES,
      resolvers: { Shop: { __resolveReference: (r: Ref) => ({ ...r, currency: CURRENCY[r.id] }) } },
    },
  ]);
});
afterAll(() => g?.close());

test("each item's price is resolved with its own shop's currency, read from another subgraph", async () => {
  const r = await g.post<{ data: unknown; errors?: unknown }>('{ shops { id items { id price } } }');
  expect(r.errors).toBeUndefined();
  expect(r.data).toEqual({
    shops: [
      {
        id: 's1',
        items: [
          { id: 'i1', price: 'i1 in EUR' },
          { id: 'i2', price: 'i2 in EUR' },
        ],
      },
      { id: 's2', items: [{ id: 'i1', price: 'i1 in JPY' }] },
    ],
  });
});
