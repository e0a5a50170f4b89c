import { SignJWT } from 'jose';
import { useTestStack } from '../support/stack';
import { TEST_JWT_SECRET } from '../support/secrets';

/** Authentication at the gateway and again in every subgraph; roles enforced in resolvers. */
const t = useTestStack();
let tenantId: string;

beforeAll(async () => {
  ({ id: tenantId } = await t.newTenant('auth-co'));
});

const codeOf = (r: { errors?: Array<{ extensions?: { code?: string } }> }) => r.errors?.[0]?.extensions?.code;

test('no token, a malformed header, a bad signature or an expired token: UNAUTHENTICATED with 401', async () => {
  const q = '{ tenant { id } }';
  const noToken = await t.gql(q);
  expect(noToken.status).toBe(401);
  expect(codeOf(noToken)).toBe('UNAUTHENTICATED');
  const garbage = await t.gql(q, {}, 'not.a.jwt');
  expect(codeOf(garbage)).toBe('UNAUTHENTICATED');
  const wrongKey = await new SignJWT({ tid: tenantId, roles: ['admin'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('x')
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('another-secret-that-is-long-enough-000'));
  expect(codeOf(await t.gql(q, {}, wrongKey))).toBe('UNAUTHENTICATED');
  const expired = await new SignJWT({ tid: tenantId, roles: ['admin'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('x')
    .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
    .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
  const exp = await t.gql(q, {}, expired);
  expect(codeOf(exp)).toBe('UNAUTHENTICATED');
  expect(exp.errors?.[0]?.message).toMatch(/expired/);
  const badRoles = await new SignJWT({ tid: tenantId, roles: ['root'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('x')
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
  expect(codeOf(await t.gql(q, {}, badRoles))).toBe('UNAUTHENTICATED');
});

test('subgraphs check the token themselves when called directly', async () => {
  const r = await t.gql('{ candidates { edges { cursor } } }', {}, undefined, t.stack.subgraphs.candidate.url);
  expect(codeOf(r)).toBe('UNAUTHENTICATED');
  const ok = await t.gql(
    '{ candidates { edges { cursor } } }',
    {},
    await t.token('viewer', tenantId),
    t.stack.subgraphs.candidate.url,
  );
  expect(ok.errors).toBeUndefined();
});

test('introspection needs no token; anything else does', async () => {
  const r = await t.gql('{ __schema { queryType { name } } }');
  expect(r.status).toBe(200);
  expect(r.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  const mixed = await t.gql('{ __typename tenant { id } }');
  expect(codeOf(mixed)).toBe('UNAUTHENTICATED');
});

test('viewers read but may not write; recruiters write but may not administer', async () => {
  const viewer = await t.token('viewer', tenantId);
  const recruiter = await t.token('recruiter', tenantId);
  expect(
    (await t.gql('{ candidates { edges { cursor } } jobs { edges { cursor } } tenant { id } }', {}, viewer)).errors,
  ).toBeUndefined();
  const create = 'mutation { createCandidate(input: { name: "V", email: "v@example.com" }) { id } }';
  expect(codeOf(await t.gql(create, {}, viewer))).toBe('FORBIDDEN');
  expect(
    codeOf(await t.gql('mutation { createJob(input: { title: "t", description: "d" }) { id } }', {}, viewer)),
  ).toBe('FORBIDDEN');
  expect((await t.gql(create, {}, recruiter)).errors).toBeUndefined();
  expect(codeOf(await t.gql('mutation { updateTenant(input: { name: "R" }) { id } }', {}, recruiter))).toBe(
    'FORBIDDEN',
  );
  expect(codeOf(await t.gql('{ tenants { edges { cursor } } }', {}, recruiter))).toBe('FORBIDDEN');
  expect(
    codeOf(
      await t.gql(
        'mutation { createTenant(input: { slug: "nope-co", name: "n" }) { id } }',
        {},
        await t.token('admin', tenantId),
      ),
    ),
  ).toBe('FORBIDDEN');
});

test('a platform admin sees nothing inside a tenant without a token for it', async () => {
  const pa = await t.token('platform-admin');
  expect(codeOf(await t.gql('{ candidates { edges { cursor } } }', {}, pa))).toBe('FORBIDDEN');
  const v = await t.gql<{ viewer: { roles: string[]; tenant: unknown } }>('{ viewer { roles tenant { id } } }', {}, pa);
  expect(v.data?.viewer).toEqual({ roles: ['platform-admin'], tenant: null });
  const paInTenant = await t.token('platform-admin', tenantId);
  expect(codeOf(await t.gql('{ candidates { edges { cursor } } }', {}, paInTenant))).toBe('FORBIDDEN');
});

test('x-request-id is echoed when given and generated when not', async () => {
  const token = await t.token('viewer', tenantId);
  const given = await fetch(t.stack.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': 'req-123' },
    body: JSON.stringify({ query: '{ tenant { id } }' }),
  });
  expect(given.headers.get('x-request-id')).toBe('req-123');
  const generated = await t.gql('{ tenant { id } }', {}, token);
  expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});

test('health and readiness on every process, metrics on its metrics port', async () => {
  for (const s of [t.stack.gateway, ...Object.values(t.stack.subgraphs)]) {
    expect((await fetch(new URL('/healthz', s.url))).status).toBe(200);
    expect((await fetch(new URL('/readyz', s.url))).status).toBe(200);
    const metrics = await (await fetch(s.metricsUrl)).text();
    expect(metrics).toContain('process_cpu_seconds_total');
  }
  const m = await (await fetch(t.stack.subgraphs.candidate.metricsUrl)).text();
  expect(m).toMatch(
    /hiregraph_mongodb_commands_total\{command="find",collection="candidates",service="candidate"\} \d+/,
  );
  const named = await fetch(t.stack.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await t.token('viewer', tenantId)}` },
    body: JSON.stringify({ query: 'query ListCandidates { candidates { edges { cursor } } }' }),
  });
  expect(named.status).toBe(200);
  const g = await (await fetch(t.stack.gateway.metricsUrl)).text();
  expect(g).toMatch(
    /hiregraph_graphql_operation_duration_seconds_count\{service="gateway",operation="ListCandidates",type="query",code="OK"\} 1/,
  );
  expect(g).toMatch(
    /hiregraph_http_request_duration_seconds_count\{service="gateway",method="POST",path="\/graphql",status="200"\} \d+/,
  );
  expect(g).toMatch(/hiregraph_subscriptions_open\{service="gateway"\} 0/);
  const sub = await (await fetch(t.stack.subgraphs.candidate.metricsUrl)).text();
  expect(sub).toMatch(
    /hiregraph_graphql_operation_duration_seconds_count\{service="candidate",operation="ListCandidates[^"]*",type="query",code="OK"\} 1/,
  );
});
