import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { ObjectId } from 'mongodb';
import { ServiceTokens, signToken, TokenVerifier, WORKER_SUBJECT } from '../../shared/auth';

/** Asymmetric tokens verified against a JWKS endpoint, with issuer and audience checks. */
let server: Server;
let url: string;
let privateKey: KeyLike;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
});

const sign = (key: KeyLike, claims: Record<string, unknown>, iss = 'https://id.example', aud = 'hiregraph') =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setSubject('user-1')
    .setIssuer(iss)
    .setAudience(aud)
    .setExpirationTime('5m')
    .sign(key);

test('a token signed by a key in the JWKS is accepted', async () => {
  const verifier = new TokenVerifier({ jwksUrl: url, issuer: 'https://id.example', audience: 'hiregraph' });
  const tid = new ObjectId().toHexString();
  const exp = Math.floor(Date.now() / 1000) + 300;
  const token = await new SignJWT({ tid, roles: ['recruiter'] })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setSubject('user-1')
    .setIssuer('https://id.example')
    .setAudience('hiregraph')
    .setExpirationTime(exp)
    .sign(privateKey);
  const p = await verifier.verify(`Bearer ${token}`);
  // The token's exp is kept: a subscription ends when it passes.
  expect(p).toEqual({
    userId: 'user-1',
    tenantId: new ObjectId(tid),
    roles: ['recruiter'],
    expiresAt: new Date(exp * 1000),
  });
});

test('another key, issuer or audience is UNAUTHENTICATED', async () => {
  const verifier = new TokenVerifier({ jwksUrl: url, issuer: 'https://id.example', audience: 'hiregraph' });
  const other = (await generateKeyPair('RS256')).privateKey;
  for (const token of [
    await sign(other, { roles: ['viewer'] }),
    await sign(privateKey, { roles: ['viewer'] }, 'https://evil.example'),
    await sign(privateKey, { roles: ['viewer'] }, 'https://id.example', 'someone-else'),
  ]) {
    await expect(verifier.verify(`Bearer ${token}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  }
});

test('with a JWKS and a secret, users sign in through the JWKS and the worker with its own HS256 tokens; JWKS alone refuses HS256', async () => {
  const secret = 'worker-secret-0123456789abcdef0123456789';
  const both = new TokenVerifier({ jwksUrl: url, secret, issuer: 'https://id.example', audience: 'hiregraph' });
  const tid = new ObjectId().toHexString();
  const worker = await new ServiceTokens(secret, { issuer: 'https://id.example', audience: 'hiregraph' }).authorization(
    tid,
  );
  const p = await both.verify(worker);
  expect(p).toMatchObject({ userId: WORKER_SUBJECT, tenantId: new ObjectId(tid), roles: ['viewer'] });
  // Five minutes, give or take the clock's second.
  expect(Math.abs(p.expiresAt!.getTime() - Date.now() - 300_000)).toBeLessThan(2000);
  expect((await both.verify(`Bearer ${await sign(privateKey, { tid, roles: ['admin'] })}`)).roles).toEqual(['admin']);
  // An HS256 token signed with another secret is refused, and so is any HS256 token when only the JWKS is configured.
  const forged = await signToken(
    'another-secret-0123456789abcdef012345',
    { sub: WORKER_SUBJECT, tid, roles: ['admin'] },
    { issuer: 'https://id.example', audience: 'hiregraph' },
  );
  await expect(both.verify(`Bearer ${forged}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  const jwksOnly = new TokenVerifier({ jwksUrl: url, issuer: 'https://id.example', audience: 'hiregraph' });
  await expect(jwksOnly.verify(worker)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
});
