import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET, INTERNAL_AUDIENCE } from '../../shared/config';
import { useRunHarness } from '../support/runs';
import { TEST_INTERNAL_JWT_SECRET, TEST_JWT_SECRET } from '../support/secrets';

/**
 * Users sign in through an identity provider (JWKS). No HS256 token carries a user role then,
 * whoever holds a secret: the worker's INTERNAL_JWT_SECRET, an old JWT_SECRET or the development
 * one. The worker still completes runs with its own service tokens.
 */
const ISSUER = 'https://id.example';
const AUDIENCE = 'hiregraph-api';
let privateKey: KeyLike | undefined;
let jwks: Server | undefined;

// Filled before the harness's beforeAll (registered after this one) reads it.
const env: Record<string, string> = {};
beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  const body = JSON.stringify({
    keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }],
  });
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  jwks = server;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  Object.assign(env, { JWT_JWKS_URL: url, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_SECRET: '' });
});
afterAll(async () => {
  await new Promise((r) => jwks?.close(r));
});

const h = useRunHarness(env, {
  sign: (claims) =>
    new SignJWT({ tid: claims.tid, roles: claims.roles })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject(claims.sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey!),
});

const codeOf = (r: { errors?: Array<{ extensions?: { code?: string } }> }) => r.errors?.[0]?.extensions?.code;

test('with users signing in through the JWKS, the worker completes a run', async () => {
  expect(h.t.config.JWT_JWKS_URL).toBe(env.JWT_JWKS_URL);
  expect(h.t.config.JWT_SECRET).toBeUndefined();
  const started = await h.start({ agents: ['skills', 'keywords'] });
  expect(started.errors).toBeUndefined();
  const done = await h.waitFor(started.data!.startAssessment.id, ['COMPLETED', 'FAILED']);
  expect(done.status).toBe('COMPLETED');
  expect(done.steps.every((s) => s.status === 'SUCCEEDED')).toBe(true);
});

test('an HS256 token claiming platform-admin is refused, whichever secret signed it', async () => {
  const createTenant = 'mutation { createTenant(input: { slug: "forged-co", name: "Forged" }) { id } }';
  for (const secret of [TEST_INTERNAL_JWT_SECRET, TEST_JWT_SECRET, DEV_JWT_SECRET]) {
    for (const audience of [AUDIENCE, INTERNAL_AUDIENCE]) {
      const forged = await signToken(
        secret,
        { sub: 'mallory', roles: ['platform-admin'] },
        { issuer: audience === INTERNAL_AUDIENCE ? 'hiregraph' : ISSUER, audience },
      );
      const r = await h.t.gql(createTenant, {}, forged);
      expect([secret.slice(0, 12), audience, r.status, codeOf(r)]).toEqual([
        secret.slice(0, 12),
        audience,
        401,
        'UNAUTHENTICATED',
      ]);
      // Straight to the tenant subgraph too.
      const direct = await h.t.gql(createTenant, {}, forged, h.t.stack.subgraphs.tenant.url);
      expect(codeOf(direct)).toBe('UNAUTHENTICATED');
    }
  }
  // The identity provider's own platform-admin is a user like any other.
  const real = await h.t.gql('{ tenants(first: 1) { edges { cursor } } }', {}, await h.t.token('platform-admin'));
  expect(real.errors).toBeUndefined();
});
