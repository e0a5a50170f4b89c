import { auditServer, type AuditResult } from 'graphql-http';
import { useTestStack } from '../support/stack';

/**
 * The gateway against graphql-http's audit of the GraphQL-over-HTTP spec: every MUST holds, and
 * the only deviations are the ones the README documents (each with its reason).
 */
const t = useTestStack();
let token: string;
beforeAll(async () => {
  token = (await t.newTenant()).admin;
});

/** The README's "GraphQL over HTTP" deviations, by audit id. */
const DOCUMENTED: Record<string, string> = {
  // A client error is a 4xx whatever the media type (Apollo Server's behaviour, and the contract's).
  '572B': 'SHOULD use 200 status code on document parsing failure when accepting application/json',
  FDE2: 'SHOULD use 200 status code on document validation failure when accepting application/json',
  '7B9B': 'SHOULD use a status code of 200 on variable coercion failure when accepting application/json',
  // GETs need a preflight header (Apollo's CSRF prevention), which a plain form GET does not send.
  '5A70': 'MAY accept application/x-www-form-urlencoded formatted GET requests',
  D6D5: 'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
  '6A70': 'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
};

test('graphql-http audit: no MUST broken, and only the documented SHOULD and MAY deviations', async () => {
  const results: AuditResult[] = await auditServer({
    url: t.stack.gateway.url,
    fetchFn: (input: string | URL | Request, init?: RequestInit) =>
      fetch(input, {
        ...init,
        headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${token}` },
      }),
  });
  const notOk = results.filter((r) => r.status !== 'ok');
  expect(notOk.filter((r) => r.status === 'error').map((r) => `${r.id} ${r.name}`)).toEqual([]);
  expect(Object.fromEntries(notOk.map((r) => [r.id, r.name]))).toEqual(DOCUMENTED);
  // Sanity: the audit really ran its suite against this server.
  expect(results.filter((r) => r.status === 'ok').length).toBeGreaterThan(50);
});

const post = (body: string, accept: string) =>
  fetch(t.stack.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${token}` },
    body,
  });

test.each(['application/json', 'application/graphql-response+json'])(
  'with Accept %s: a syntax error is 400 GRAPHQL_PARSE_FAILED, an unknown field 400 GRAPHQL_VALIDATION_FAILED',
  async (accept) => {
    const syntax = await post(JSON.stringify({ query: '{ tenant { name ' }), accept);
    expect(syntax.status).toBe(400);
    expect(await syntax.json()).toMatchObject({
      errors: [{ message: expect.stringMatching(/^Syntax Error/), extensions: { code: 'GRAPHQL_PARSE_FAILED' } }],
    });
    const invalid = await post(JSON.stringify({ query: '{ nope }' }), accept);
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
  },
);
