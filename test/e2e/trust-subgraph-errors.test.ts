import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * In production the gateway passed a failing subgraph's answer through in
 * `extensions.response` (its internal URL, status and body) and named the subgraph. Now an error
 * from a subgraph keeps its code and a safe message only.
 */
let t: TestStack;
let stub: Server;
let gateway: RunningGateway;
let answer = { status: 502, body: 'upstream db-7.internal:27017 refused: stack at /srv/hiregraph/…' };
let hangUp = false;

beforeAll(async () => {
  t = await startTestStack({ NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(48) });
  // A candidate subgraph that fails at the HTTP level with a revealing body.
  stub = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      hangUp ? req.socket.destroy() : res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body),
    );
  });
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', () => r()));
  const s = t.stack.subgraphs;
  gateway = await startGateway({
    config: t.config,
    port: 0,
    metricsPort: 0,
    subgraphUrls: {
      tenant: s.tenant.url,
      candidate: `http://127.0.0.1:${(stub.address() as AddressInfo).port}/graphql`,
      job: s.job.url,
      assessment: s.assessment.url,
    },
  });
});
afterAll(async () => {
  await gateway?.close();
  await new Promise((r) => stub?.close(r));
  await t?.close();
});

test('a subgraph failing with a body: its code and a safe message, no URL, body or subgraph name', async () => {
  const { id, admin } = await t.newTenant();
  for (const [status, code] of [
    [502, 'INTERNAL_SERVER_ERROR'],
    [403, 'FORBIDDEN'],
  ] as const) {
    answer = { status, body: `upstream db-7.internal:27017 refused (tenant ${id})` };
    const r = await t.gql('{ candidates { edges { cursor } } }', {}, admin, gateway.url);
    expect(r.errors?.length).toBeGreaterThan(0);
    const [err] = r.errors!;
    expect(err!.extensions).toEqual({ code });
    const text = JSON.stringify(r);
    for (const secret of ['db-7.internal', '127.0.0.1', 'candidate', '/graphql', 'response'])
      expect([status, secret, text.includes(secret)]).toEqual([status, secret, false]);
  }
});

test('a subgraph that hangs up: INTERNAL_SERVER_ERROR, without naming it or the socket error', async () => {
  const { admin } = await t.newTenant();
  hangUp = true;
  try {
    const r = await t.gql('{ candidates { edges { cursor } } }', {}, admin, gateway.url);
    expect(r.errors?.[0]).toMatchObject({
      message: 'internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(JSON.stringify(r)).not.toMatch(/candidate|reached|UND_ERR|ECONN|socket/i);
  } finally {
    hangUp = false;
  }
});

test("errors a subgraph gives in its answer keep their code, message and the contract's extensions", async () => {
  const { admin } = await t.newTenant();
  const r = await t.gql('{ job(id: "nope") { id } }', {}, admin);
  expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(r.errors?.[0]?.extensions).not.toHaveProperty('serviceName');
  expect(r.errors?.[0]?.message).toMatch(/expected/);
});
