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
    .setIssuedAt()
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
    .setIssuedAt()
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

test("a JWKS verifier takes no HS256 token as a user, and the worker's service tokens only where an internal secret is set", async () => {
  const internalSecret = 'worker-secret-0123456789abcdef0123456789';
  const subgraph = new TokenVerifier({
    jwksUrl: url,
    internalSecret,
    issuer: 'https://id.example',
    audience: 'hiregraph',
  });
  const gateway = new TokenVerifier({ jwksUrl: url, issuer: 'https://id.example', audience: 'hiregraph' });
  const tid = new ObjectId().toHexString();
  const worker = await new ServiceTokens(internalSecret).authorization(tid);
  const p = await subgraph.verify(worker);
  expect(p).toMatchObject({ userId: WORKER_SUBJECT, tenantId: new ObjectId(tid), roles: [], service: WORKER_SUBJECT });
  // Five minutes, give or take the clock's second.
  expect(Math.abs(p.expiresAt!.getTime() - Date.now() - 300_000)).toBeLessThan(2000);
  await expect(gateway.verify(worker)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  const user = `Bearer ${await sign(privateKey, { tid, roles: ['admin'] })}`;
  expect((await subgraph.verify(user)).roles).toEqual(['admin']);
  expect((await gateway.verify(user)).roles).toEqual(['admin']);
  // The internal secret signs no user: an HS256 admin token with the users' issuer and audience is refused.
  const forged = await signToken(
    internalSecret,
    { sub: WORKER_SUBJECT, tid, roles: ['admin'] },
    { issuer: 'https://id.example', audience: 'hiregraph' },
  );
  for (const v of [subgraph, gateway])
    await expect(v.verify(`Bearer ${forged}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
});
