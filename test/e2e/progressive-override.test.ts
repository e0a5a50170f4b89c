import { startSmallGraph, type SmallGraph, type SmallSubgraph } from '../support/small-graph';

/**
 * Progressive override: `price` moves from subgraph `a` to `b` for 30% of requests
 * (`label: "percent(30)"`), `stock` when OVERRIDE_LABELS turns on `stock-migration`. Each subgraph
 * answers with its own name, so every answer says which subgraph resolved each field.
 */
const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override"])';
const subgraphs: SmallSubgraph[] = [
  {
    name: 'a',
    typeDefs: `${LINK}
      type Query { product: Product }
      type Product @key(fields: "id") { id: ID! price: String stock: String }`,
    resolvers: {
      Query: { product: () => ({ id: 'p1' }) },
      Product: { price: () => 'a', stock: () => 'a', __resolveReference: (ref: { id: string }) => ref },
    },
  },
  {
    name: 'b',
    typeDefs: `${LINK}
      type Product @key(fields: "id") {
        id: ID!
        price: String @override(from: "a", label: "percent(30)")
        stock: String @override(from: "a", label: "stock-migration")
      }`,
    resolvers: {
      Product: { price: () => 'b', stock: () => 'b', __resolveReference: (ref: { id: string }) => ref },
    },
  },
];

const QUERY = '{ product { id price stock } }';
type Answer = { data: { product: { id: string; price: string; stock: string } } };

const graphs: SmallGraph[] = [];
afterAll(() => Promise.all(graphs.map((g) => g.close())));
async function start(env: Record<string, string> = {}): Promise<SmallGraph> {
  const g = await startSmallGraph(subgraphs, env);
  graphs.push(g);
  return g;
}

async function tally(
  g: SmallGraph,
  n: number,
): Promise<{ price: Record<string, number>; stock: Record<string, number> }> {
  const price: Record<string, number> = {};
  const stock: Record<string, number> = {};
  for (let i = 0; i < n; i += 20) {
    const answers = await Promise.all(Array.from({ length: 20 }, () => g.post<Answer>(QUERY)));
    for (const a of answers) {
      expect(a.data.product.id).toBe('p1');
      price[a.data.product.price] = (price[a.data.product.price] ?? 0) + 1;
      stock[a.data.product.stock] = (stock[a.data.product.stock] ?? 0) + 1;
    }
  }
  return { price, stock };
}

test('percent(30): about 30% of requests take the new subgraph; a custom label stays off unless configured', async () => {
  // Identical concurrent requests of one token would share one execution, and so one draw.
  const g = await start({ DEDUPLICATE_REQUESTS: 'false' });
  const n = 600;
  const { price, stock } = await tally(g, n);
  // 30% of 600 is 180, with a standard deviation of about 11.2: 4.5 of them either side.
  expect(price.b).toBeGreaterThanOrEqual(130);
  expect(price.b).toBeLessThanOrEqual(230);
  expect((price.a ?? 0) + (price.b ?? 0)).toBe(n);
  expect(stock).toEqual({ a: n });
});

test('OVERRIDE_LABELS=stock-migration moves stock to the new subgraph for every request', async () => {
  const g = await start({ OVERRIDE_LABELS: 'stock-migration' });
  const { stock } = await tally(g, 100);
  expect(stock).toEqual({ b: 100 });
});

test("with @apollo/gateway's executor (GATEWAY_EXECUTOR=apollo) no label is ever on", async () => {
  const g = await start({ GATEWAY_EXECUTOR: 'apollo', OVERRIDE_LABELS: 'stock-migration' });
  const { price, stock } = await tally(g, 100);
  expect({ price, stock }).toEqual({ price: { a: 100 }, stock: { a: 100 } });
});
