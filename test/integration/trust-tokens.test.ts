import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { ObjectId } from 'mongodb';
import { ServiceTokens, signToken, TokenVerifier } from '../../shared/auth';
import { INTERNAL_AUDIENCE } from '../../shared/config';

/** What a token must be to be accepted (issue 21): never a user from an HS256 secret beside a JWKS, always an exp, a bounded age. */
let server: Server;
let url: string;
let privateKey: KeyLike;
const ISSUER = 'https://id.example';
const AUDIENCE = 'hiregraph';
const SECRET = 'users-secret-0123456789abcdef0123456789';
const INTERNAL = 'internal-secret-0123456789abcdef01234567';
const tid = new ObjectId().toHexString();
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
});

const refused = (v: TokenVerifier, token: string) =>
  expect(v.verify(`Bearer ${token}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });

test('with a JWKS, an HS256 token signed with the shared secret claiming platform-admin is not a user', async () => {
  const forged = await signToken(
    SECRET,
    { sub: 'mallory', roles: ['platform-admin'] },
    { issuer: ISSUER, audience: AUDIENCE },
  );
  // The configuration that used to take it (a JWKS for users, JWT_SECRET for the worker) is no longer built...
  let both: TokenVerifier | undefined;
  try {
    both = new TokenVerifier({ jwksUrl: url, secret: SECRET, issuer: ISSUER, audience: AUDIENCE });
  } catch {
    both = undefined;
  }
  if (both) await refused(both, forged);
  // ...and a JWKS verifier refuses HS256 for users whatever else it holds.
  const jwks = new TokenVerifier({ jwksUrl: url, issuer: ISSUER, audience: AUDIENCE, internalSecret: INTERNAL });
  await refused(jwks, forged);
  await refused(
    jwks,
    await signToken(INTERNAL, { sub: 'mallory', roles: ['platform-admin'] }, { issuer: ISSUER, audience: AUDIENCE }),
  );
});

test('a token without exp, or without iat, is UNAUTHENTICATED', async () => {
  const v = new TokenVerifier({ secret: SECRET });
  const key = new TextEncoder().encode(SECRET);
  const noExp = await new SignJWT({ tid, roles: ['admin'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('x')
    .setIssuedAt()
    .sign(key);
  await refused(v, noExp);
  const noIat = await new SignJWT({ tid, roles: ['admin'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('x')
    .setExpirationTime('1h')
    .sign(key);
  await refused(v, noIat);
  const jwks = new TokenVerifier({ jwksUrl: url, issuer: ISSUER, audience: AUDIENCE });
  const rsNoExp = await new SignJWT({ tid, roles: ['admin'] })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setSubject('x')
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .sign(privateKey);
  await refused(jwks, rsNoExp);
});

test('a token older than JWT_MAX_AGE_SECONDS, or living longer, is UNAUTHENTICATED; within it, accepted', async () => {
  const v = new TokenVerifier({ secret: SECRET, maxAgeSeconds: 3600 });
  const key = new TextEncoder().encode(SECRET);
  const make = (iat: number, exp: number) =>
    new SignJWT({ tid, roles: ['viewer'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(key);
  // Issued two hours ago, still unexpired (a year-long token): too old.
  await refused(v, await make(now() - 7200, now() + 365 * 86_400));
  // Fresh, but exp a day out: lives longer than the maximum.
  await refused(v, await make(now(), now() + 86_400));
  // Issued in the future, to stretch its age.
  await refused(v, await make(now() + 3000, now() + 3500));
  expect((await v.verify(`Bearer ${await make(now() - 60, now() + 3000)}`)).roles).toEqual(['viewer']);
});

test("service tokens: only with the internal secret, its audience and the service role; never a user's role", async () => {
  const subgraph = new TokenVerifier({ secret: SECRET, internalSecret: INTERNAL });
  const gateway = new TokenVerifier({ secret: SECRET });
  const token = (await new ServiceTokens(INTERNAL).authorization(tid)).slice('Bearer '.length);
  expect(await subgraph.verify(`Bearer ${token}`)).toMatchObject({ roles: [], service: 'service:assessment-worker' });
  await refused(gateway, token);
  const key = (s: string) => new TextEncoder().encode(s);
  const service = (claims: Record<string, unknown>, secret = INTERNAL) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('svc')
      .setIssuer('hiregraph')
      .setAudience(INTERNAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key(secret));
  // Signed with the users' secret; claiming a user role; without a tenant; living an hour.
  await refused(subgraph, await service({ tid, roles: ['service'] }, SECRET));
  await refused(subgraph, await service({ tid, roles: ['admin'] }));
  await refused(subgraph, await service({ tid, roles: ['service', 'admin'] }));
  await refused(subgraph, await service({ roles: ['service'] }));
  const long = await new SignJWT({ tid, roles: ['service'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('svc')
    .setIssuer('hiregraph')
    .setAudience(INTERNAL_AUDIENCE)
    .setIssuedAt(now() - 3600)
    .setExpirationTime('5m')
    .sign(key(INTERNAL));
  await refused(subgraph, long);
  // A user token signed with the internal secret is no user either.
  await refused(subgraph, await signToken(INTERNAL, { sub: 'mallory', tid, roles: ['admin'] }));
});
