import { useTestStack } from '../support/stack';

/** NODE_ENV=production: a real signing key, no introspection unless asked, no stack traces, no field suggestions. */
const t = useTestStack({ NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(48) });

test('introspection is off and errors carry no stack trace or field suggestions', async () => {
  const admin = (await t.newTenant()).admin;
  const intro = await t.gql('{ __schema { queryType { name } } }', {}, admin);
  expect(intro.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  const bad = await t.gql('{ candidate(id: "nope") { id } }', {}, admin);
  expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(bad.errors?.[0]?.extensions?.stacktrace).toBeUndefined();
  const typo = await t.gql('{ tenant { nme } }', {}, admin);
  expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);
  const unauth = await t.gql('{ tenant { id } }');
  expect(unauth.errors?.[0]?.extensions?.stacktrace).toBeUndefined();
});

test('no IDE is served to browsers unless GRAPHQL_IDE=true, and no landing page loads from a CDN', async () => {
  const res = await fetch(t.stack.gateway.url, { headers: { accept: 'text/html' } });
  expect(res.headers.get('content-type') ?? '').not.toContain('text/html');
  expect(await res.text()).not.toMatch(/<script|cdn\./i);
  expect((await fetch(new URL('/ide/graphiql.js', t.stack.gateway.url))).status).toBe(404);
});
