import { useTestStack } from '../support/stack';

/** Which GET /graphql requests get the IDE page, and what the page may load. */
const t = useTestStack();

test('a browser gets the page; a GET query and an API client still get GraphQL', async () => {
  const page = await fetch(t.stack.gateway.url, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toContain('text/html');
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  const html = await page.text();
  // Every script and stylesheet is a relative path on this gateway.
  const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  expect(refs.filter((r) => !r.startsWith('data:') && !r.startsWith('ide/'))).toEqual([]);
  for (const ref of refs.filter((r) => r.startsWith('ide/'))) {
    const res = await fetch(new URL(`/${ref}`, t.stack.gateway.url));
    expect([ref, res.status]).toEqual([ref, 200]);
  }

  const get = await fetch(`${t.stack.gateway.url}?query=${encodeURIComponent('{ __typename }')}`, {
    headers: { accept: 'text/html, application/json', 'apollo-require-preflight': 'true' },
  });
  expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
  const api = await fetch(t.stack.gateway.url, { headers: { accept: 'application/json' } });
  expect(api.headers.get('content-type')).toContain('application/json');
  expect((await fetch(new URL('/ide/../package.json', t.stack.gateway.url))).status).toBe(404);
});
