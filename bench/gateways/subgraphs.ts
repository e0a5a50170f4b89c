import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, type DocumentNode, type GraphQLSchema } from 'graphql';

/**
 * The four subgraphs of the public federation benchmark (accounts, products, inventory,
 * reviews), written for Hiregraph with its schema, data shape and sizes: six users, nine
 * products, eleven reviews. They serve from memory and answer a request they have answered
 * before from a cache of serialized answers, so the benchmark measures the gateways.
 */
const LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@external", "@requires", "@provides", "@shareable"])';

export const SUBGRAPH_SDL: Record<string, string> = {
  accounts: `${LINK}
    type User @key(fields: "id") { id: ID! name: String username: String @shareable birthday: Int }
    type Query { me: User user(id: ID!): User users: [User] }`,
  products: `${LINK}
    type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }
    type Query { topProducts(first: Int = 5): [Product] }`,
  inventory: `${LINK}
    type Product @key(fields: "upc") {
      upc: String!
      weight: Int @external
      price: Int @external
      inStock: Boolean
      shippingEstimate: Int @requires(fields: "price weight")
    }`,
  reviews: `${LINK}
    type Review @key(fields: "id") { id: ID! body: String product: Product author: User @provides(fields: "username") }
    type User @key(fields: "id") { id: ID! username: String @external reviews: [Review] }
    type Product @key(fields: "upc") { upc: String! reviews: [Review] }`,
};

const USERS = [
  ['1', 'Uri Goldshtein', 'urigo'],
  ['2', 'Dotan Simha', 'dotansimha'],
  ['3', 'Kamil Kisiela', 'kamilkisiela'],
  ['4', 'Arda Tanrikulu', 'ardatan'],
  ['5', 'Gil Gardosh', 'gilgardosh'],
  ['6', 'Laurin Quast', 'laurin'],
].map(([id, name, username]) => ({ id, name, username, birthday: 1234567890 }));

const PRODUCTS = (
  [
    ['1', 'Table', 899, 100, true],
    ['2', 'Couch', 1299, 1000, false],
    ['3', 'Glass', 15, 20, false],
    ['4', 'Chair', 499, 100, false],
    ['5', 'TV', 1299, 1000, true],
    ['6', 'Lamp', 6999, 300, true],
    ['7', 'Grill', 3999, 2000, true],
    ['8', 'Fridge', 100000, 6000, false],
    ['9', 'Sofa', 9999, 800, true],
  ] as const
).map(([upc, name, price, weight, inStock]) => ({ upc, name, price, weight, inStock }));

const LOREM = [
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit.',
  'Sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam.',
  'Quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur.',
  'Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.',
];
// As in the public benchmark: reviews 1–4 of product 1, 5–8 of 2, 9 of 3, 10–11 of 4; every
// review's author is user 1, and every user's reviews are reviews 1 and 2.
const REVIEWS = Array.from({ length: 11 }, (_, i) => ({
  id: String(i + 1),
  body: LOREM[i % 4]!,
  upc: i < 4 ? '1' : i < 8 ? '2' : i < 9 ? '3' : '4',
}));
const userById = new Map(USERS.map((u) => [u.id, u]));
const productByUpc = new Map<string, (typeof PRODUCTS)[number]>(PRODUCTS.map((p) => [p.upc, p]));
const reviewById = new Map(REVIEWS.map((r) => [r.id, r]));
const toReview = (r: (typeof REVIEWS)[number]) => ({ id: r.id, body: r.body, product: { upc: r.upc } });

const RESOLVERS: Record<string, object> = {
  accounts: {
    Query: { me: () => USERS[0], user: (_: unknown, a: { id: string }) => userById.get(a.id), users: () => USERS },
    User: { __resolveReference: (ref: { id: string }) => userById.get(ref.id) },
  },
  products: {
    Query: { topProducts: (_: unknown, a: { first: number }) => PRODUCTS.slice(0, a.first) },
    Product: { __resolveReference: (ref: { upc: string }) => productByUpc.get(ref.upc) },
  },
  inventory: {
    Product: {
      __resolveReference: (ref: { upc: string; price?: number; weight?: number }) => ({
        ...ref,
        inStock: productByUpc.get(ref.upc)?.inStock,
      }),
      shippingEstimate: (p: { price?: number; weight?: number }) =>
        p.price === undefined || p.weight === undefined ? null : p.price > 1000 ? 0 : Math.floor(p.weight / 2),
    },
  },
  reviews: {
    Review: {
      __resolveReference: (ref: { id: string }) => {
        const r = reviewById.get(ref.id);
        return r && toReview(r);
      },
      author: () => ({ id: '1', username: 'urigo' }),
    },
    User: { reviews: () => REVIEWS.slice(0, 2).map(toReview) },
    Product: { reviews: (p: { upc: string }) => REVIEWS.filter((r) => r.upc === p.upc).map(toReview) },
  },
};

interface GraphQLRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/** One subgraph over HTTP: POST /graphql, each distinct request body executed once and its answer kept. */
function serve(schema: GraphQLSchema): Server {
  const answers = new Map<string, string>();
  const documents = new Map<string, DocumentNode>();
  const run = async ({ query, variables, operationName }: GraphQLRequest) => {
    let document = documents.get(query);
    if (!document) documents.set(query, (document = parse(query)));
    // Entity resolution can be asynchronous: the answer may be a promise.
    return await execute({ schema, document, variableValues: variables, operationName });
  };
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let answer = answers.get(body);
      if (answer === undefined) {
        try {
          const request = JSON.parse(body) as GraphQLRequest | GraphQLRequest[];
          // A batch (an array of operations) gets an array of answers.
          answer = JSON.stringify(Array.isArray(request) ? await Promise.all(request.map(run)) : await run(request));
        } catch (err) {
          answer = JSON.stringify({ errors: [{ message: (err as Error).message }] });
        }
        if (answers.size < 10_000) answers.set(body, answer);
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    });
  });
}

/** Starts the four on free ports of 127.0.0.1; returns their URLs by name. */
export async function startBenchSubgraphs(): Promise<{ urls: Record<string, string>; close(): Promise<void> }> {
  const servers: Server[] = [];
  const urls: Record<string, string> = {};
  for (const [name, sdl] of Object.entries(SUBGRAPH_SDL)) {
    const schema = buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: RESOLVERS[name] as never });
    const server = serve(schema);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    urls[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  }
  return {
    urls,
    close: async () => {
      for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
    },
  };
}

// Run as a process of its own: print the URLs, serve until killed.
if (require.main === module) {
  void startBenchSubgraphs().then(({ urls }) => process.stdout.write(`${JSON.stringify(urls)}\n`));
}
