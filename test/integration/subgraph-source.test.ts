import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync } from 'node:zlib';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Inflight } from '../../gateway/sharing/inflight';
import { Registry } from 'prom-client';
import {
  SubgraphSource,
  subgraphAgent,
  type ForwardedContext,
  type RawAnswer,
  type SubgraphSourceOptions,
} from '../../gateway/execution/subgraph-source';
import { SubgraphTimeout } from '../../gateway/execution/subgraph-timeout';

/** A real subgraph stand-in: records what arrives, answers with what the test's handler says. */
interface Received {
  body: { query: string; variables?: { representations?: Array<{ id: string }> } };
  headers: IncomingMessage['headers'];
}
type Handler = (r: Received) => Promise<{ status?: number; json: unknown; brotli?: boolean }>;

let server: Server;
let url: string;
let handler: Handler;
const received: Received[] = [];
const agent = subgraphAgent();
const timeout = new SubgraphTimeout(30_000, new Registry());

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { body: JSON.parse(Buffer.concat(chunks).toString()) as Received['body'], headers: req.headers };
      received.push(r);
      void handler(r).then(({ status = 200, json, brotli }) => {
        const text = Buffer.from(JSON.stringify(json));
        res.writeHead(status, {
          'content-type': 'application/json',
          ...(brotli && { 'content-encoding': 'br' }),
        });
        res.end(brotli ? brotliCompressSync(text) : text);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  await agent.close();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  received.length = 0;
});

/** The users subgraph's source as most cases want it; `opts` changes what a case is about. */
const usersSource = (opts: Partial<SubgraphSourceOptions> = {}) =>
  new SubgraphSource({ name: 'users', url, agent, timeout, acceptEncoding: 'identity', ...opts });

const ENTITIES = 'query($representations:[_Any!]!){_entities(representations:$representations){...on User{id name}}}';

function call(
  source: SubgraphSource,
  query: string,
  context: ForwardedContext,
  variables?: Record<string, unknown>,
): ReturnType<SubgraphSource['process']> {
  const options = {
    kind: 'incoming operation',
    request: { query, variables },
    context,
    incomingRequestContext: {},
  } as unknown as GraphQLDataSourceProcessOptions<ForwardedContext>;
  return source.process(options);
}

/** Answers entity fetches by id: user "2" fails, every other one is found. */
const byId: Handler = async ({ body }) => {
  const reps = body.variables?.representations ?? [];
  return {
    json: {
      data: { _entities: reps.map((r) => (r.id === '2' ? null : { id: r.id, name: `user ${r.id}` })) },
      errors: reps.flatMap((r, i) =>
        r.id === '2' ? [{ message: 'user 2 is gone', path: ['_entities', i, 'name'] }] : [],
      ),
    },
  };
};

test('each distinct representation is sent once; answers and errors go back to every position that asked', async () => {
  handler = byId;
  const source = usersSource();
  const ids = ['1', '2', '1', '3', '2', '1'];
  const response = await call(
    source,
    ENTITIES,
    { authorization: 'Bearer a' },
    {
      representations: ids.map((id) => ({ __typename: 'User', id })),
    },
  );
  expect(received).toHaveLength(1);
  expect(received[0]!.body.variables!.representations!.map((r) => r.id)).toEqual(['1', '2', '3']);
  const entities = response.data!._entities as Array<{ id: string; name: string } | null>;
  expect(entities).toEqual(ids.map((id) => (id === '2' ? null : { id, name: `user ${id}` })));
  // The executor merges into each entity in place: equal answers are separate objects.
  expect(entities[0]).not.toBe(entities[2]);
  expect(response.errors!.map((e) => e.path)).toEqual([
    ['_entities', 1, 'name'],
    ['_entities', 4, 'name'],
  ]);
});

test('identical concurrent fetches of one caller are sent once; another token, or a mutation, is sent on its own', async () => {
  let answer!: () => void;
  const answered = new Promise<void>((r) => (answer = r));
  handler = async ({ body, headers }) => {
    await answered;
    return { json: { data: { me: `${headers.authorization} ${body.query.slice(0, 8)}` } } };
  };
  let shared = 0;
  const source = usersSource({ inflight: new Inflight<RawAnswer>(() => shared++) });
  const calls = [
    call(source, '{ me }', { authorization: 'Bearer a', requestId: 'r1' }),
    call(source, '{ me }', { authorization: 'Bearer a', requestId: 'r2' }),
    call(source, '{ me }', { authorization: 'Bearer a', requestId: 'r3' }),
    call(source, '{ me }', { authorization: 'Bearer b', requestId: 'r4' }),
    call(source, 'mutation { me }', { authorization: 'Bearer a', requestId: 'r5' }),
    call(source, 'mutation { me }', { authorization: 'Bearer a', requestId: 'r6' }),
  ];
  await waitUntil(() => received.length === 4);
  answer();
  const answers = (await Promise.all(calls)).map((r) => r.data!.me);
  expect(answers).toEqual([
    'Bearer a { me }',
    'Bearer a { me }',
    'Bearer a { me }',
    'Bearer b { me }',
    'Bearer a mutation',
    'Bearer a mutation',
  ]);
  expect(received.map((r) => `${r.headers.authorization} ${r.body.query}`).sort()).toEqual([
    'Bearer a mutation { me }',
    'Bearer a mutation { me }',
    'Bearer a { me }',
    'Bearer b { me }',
  ]);
  expect(shared).toBe(2);
});

test("a subgraph's failure reaches every caller that shared the fetch", async () => {
  let fail!: () => void;
  const failed = new Promise<void>((r) => (fail = r));
  handler = async () => {
    await failed;
    return { status: 503, json: { message: 'overloaded' } };
  };
  const source = usersSource({ inflight: new Inflight<RawAnswer>() });
  const calls = [1, 2, 3].map(() => call(source, '{ me }', { authorization: 'Bearer a' }));
  await waitUntil(() => received.length === 1);
  fail();
  const outcomes = await Promise.allSettled(calls);
  expect(received).toHaveLength(1);
  for (const o of outcomes) {
    expect(o.status).toBe('rejected');
    const err = (o as PromiseRejectedResult).reason as { message: string; extensions: Record<string, unknown> };
    expect(err.message).toBe('503: Service Unavailable');
    expect(err.extensions.response).toMatchObject({ status: 503, body: { message: 'overloaded' } });
  }
});

test('a compressed answer is decoded; the token and request id are forwarded', async () => {
  handler = async () => ({ json: { data: { me: 'x'.repeat(5000) } }, brotli: true });
  const source = usersSource({ acceptEncoding: 'br, gzip' });
  const response = await call(source, '{ me }', { authorization: 'Bearer a', requestId: 'req-7' });
  expect(response.data).toEqual({ me: 'x'.repeat(5000) });
  expect(received[0]!.headers).toMatchObject({
    authorization: 'Bearer a',
    'x-request-id': 'req-7',
    'accept-encoding': 'br, gzip',
    'content-type': 'application/json',
  });
});

test('a fetch past SUBGRAPH_TIMEOUT_MS fails every caller that shared it, counted once; the next fetch is sent afresh', async () => {
  const registry = new Registry();
  const short = new SubgraphTimeout(300, registry);
  let answer!: () => void;
  const answered = new Promise<void>((r) => (answer = r));
  // Never answers the first fetch; answers later ones at once.
  handler = async () => {
    if (received.length === 1) await answered;
    return { json: { data: { me: 'fresh' } } };
  };
  const source = usersSource({ timeout: short, inflight: new Inflight<RawAnswer>() });
  const calls = [1, 2, 3].map(() => call(source, '{ me }', { authorization: 'Bearer a' }));
  const outcomes = await Promise.allSettled(calls);
  expect(received).toHaveLength(1);
  for (const o of outcomes) {
    expect(o.status).toBe('rejected');
    const err = (o as PromiseRejectedResult).reason as { message: string; extensions: Record<string, unknown> };
    expect(err.message).toBe('the users subgraph did not answer within 300 ms (SUBGRAPH_TIMEOUT_MS)');
    expect(err.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', serviceName: 'users' });
  }
  expect(await registry.metrics()).toMatch(/^hiregraph_subgraph_fetch_timeouts_total\{subgraph="users"\} 1$/m);
  const next = await call(source, '{ me }', { authorization: 'Bearer a' });
  expect(next.data).toEqual({ me: 'fresh' });
  expect(received).toHaveLength(2);
  answer();
});

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setImmediate(r));
}
