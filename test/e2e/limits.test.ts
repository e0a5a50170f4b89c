import { useTestStack } from '../support/stack';
import { collect, wsClient } from '../support/ws-client';
import { createJob } from '../support/graph-fixtures';

/** Operation limits (graphql-armor), body size and malformed bodies at the gateway, over HTTP and WebSocket. */
const t = useTestStack({
  LIMIT_MAX_DEPTH: '6',
  LIMIT_MAX_ALIASES: '3',
  LIMIT_MAX_TOKENS: '200',
  LIMIT_MAX_DIRECTIVES: '5',
  BODY_LIMIT_BYTES: '4096',
});
let token: string;
beforeAll(async () => {
  token = (await t.newTenant()).admin;
});

const codeOf = (r: { errors?: Array<{ extensions?: { code?: string } }> }) => r.errors?.[0]?.extensions?.code;
const DEEP = '{ jobs { edges { node { applications { edges { node { candidate { name } } } } } } } }';

test('a query deeper than LIMIT_MAX_DEPTH is refused; a shallow one is not', async () => {
  const deep = await t.gql(DEEP, {}, token);
  expect(codeOf(deep)).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(deep.errors?.[0]?.message).toMatch(/depth/i);
  expect((await t.gql('{ jobs { edges { node { title } } } }', {}, token)).errors).toBeUndefined();
});

test('too many aliases or directives are validation errors, too many tokens a parse error: all 400', async () => {
  const aliases = await t.gql('{ a: tenant { id } b: tenant { id } c: tenant { id } d: tenant { id } }', {}, token);
  expect([aliases.status, codeOf(aliases)]).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
  const directives = await t.gql(`{ tenant { id ${'@include(if: true) '.repeat(6)} } }`, {}, token);
  expect([directives.status, codeOf(directives)]).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
  // graphql-js stops parsing at LIMIT_MAX_TOKENS (200 here): the document is never built.
  const tokens = await t.gql(`{ tenant { ${'id '.repeat(300)} } }`, {}, token);
  expect([tokens.status, codeOf(tokens)]).toEqual([400, 'GRAPHQL_PARSE_FAILED']);
  expect(tokens.errors?.[0]?.message).toMatch(/more th\w+ 200 tokens/);
});

test('a token overflow over graphql-ws is refused as a parse error too', async () => {
  const client = wsClient(t.stack.gateway.url, token);
  try {
    const sub = collect(client, `subscription { assessmentEvents { ${'seq '.repeat(300)} } }`);
    await sub.done;
    expect(sub.errors[0]).toMatchObject({ extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
  } finally {
    await client.dispose();
  }
});

test('limits apply to subscriptions too', async () => {
  const client = wsClient(t.stack.gateway.url, token);
  try {
    const sub = collect(
      client,
      'subscription { assessmentEvents { assessment { candidate { applications { job { applications { stage } } } } } } }',
    );
    await sub.done;
    expect((sub.errors[0] as { message?: string }).message).toMatch(/depth/i);
  } finally {
    await client.dispose();
  }
});

test('malformed JSON is a 400 and an oversized body a 413, both as GraphQL errors', async () => {
  const post = (body: string) =>
    fetch(t.stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
  const bad = await post('{"query": "{ tenant { id } }"');
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe(
    'BAD_REQUEST',
  );
  const big = await post(JSON.stringify({ query: `{ tenant { id } } # ${'x'.repeat(5000)}` }));
  expect(big.status).toBe(413);
  expect(((await big.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toMatch(
    /larger than the 4096 bytes/,
  );
  const ok = await post(JSON.stringify({ query: '{ tenant { id } }' }));
  expect(ok.status).toBe(200);
});

test('batched HTTP requests are refused', async () => {
  const res = await fetch(t.stack.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify([{ query: '{ tenant { id } }' }, { query: '{ tenant { id } }' }]),
  });
  expect(res.status).toBe(400);
});

test('CORS lets Apollo Studio (the default origin) call the gateway from a browser, and no one else', async () => {
  const preflight = (origin: string) =>
    fetch(t.stack.gateway.url, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
  const studio = await preflight('https://studio.apollographql.com');
  expect(studio.status).toBeLessThan(300);
  expect(studio.headers.get('access-control-allow-origin')).toBe('https://studio.apollographql.com');
  expect(studio.headers.get('access-control-allow-headers')).toMatch(/authorization/);
  const other = await preflight('https://evil.example');
  expect(other.headers.get('access-control-allow-origin')).toBeNull();
});

test("queries over the socket pass the same admission: too deep refused, another tenant's job unseen, mutations refused", async () => {
  const other = await t.newTenant();
  const jobId = await createJob(t, { title: 'Theirs', description: 'd' }, other.admin);
  const client = wsClient(t.stack.gateway.url, token);
  try {
    const deep = collect(client, DEEP);
    await deep.done;
    expect(deep.events).toEqual([]);
    expect((deep.errors[0] as { message?: string }).message).toMatch(/depth/i);
    const theirs = collect<{ job: unknown }>(client, 'query($id: ID!) { job(id: $id) { id title } }', { id: jobId });
    await theirs.done;
    expect(theirs.events).toEqual([{ job: null }]);
    const ownClient = wsClient(t.stack.gateway.url, other.admin);
    const own = collect<{ job: { title: string } }>(ownClient, 'query($id: ID!) { job(id: $id) { title } }', {
      id: jobId,
    });
    await own.done;
    expect(own.events).toEqual([{ job: { title: 'Theirs' } }]);
    await ownClient.dispose();
    const mutation = collect(client, 'mutation { createJob(input: { title: "x", description: "y" }) { id } }');
    await mutation.done;
    expect(mutation.events).toEqual([]);
    expect(JSON.stringify(mutation.errors)).toContain('BAD_REQUEST');
  } finally {
    await client.dispose();
  }
});
