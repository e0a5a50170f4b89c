import fc from 'fast-check';
import { generateKeyPair, SignJWT } from 'jose';
import { ObjectId, type Db } from 'mongodb';
import {
  clientSchema,
  expectClientAnswer,
  hostileValue,
  operationArb,
  tenantDigest,
  type Answer,
  type KnownIds,
} from '../support/hostile';
import type { TestStack } from '../support/stack';

/** What the hostile-input properties run against: a stack, two tenants with data, and tenant A's known ids. */
export interface Target {
  t: TestStack;
  url: string;
  tokenA: string;
  tokenB: string;
  tenantA: string;
  tenantB: string;
  ids: KnownIds;
  dbs: Db[];
  secret: string;
  /** Answers seen, by outcome: `data`, an error code, or `HTTP <status>`. */
  outcomes: Map<string, number>;
}

function count(target: Target, answer: Answer): void {
  const codes = new Set((answer.body.errors ?? []).map((e) => e.extensions?.code ?? '?'));
  if (!answer.body.errors && answer.body.data === undefined) codes.add(`HTTP ${answer.status}`);
  if (answer.body.data && Object.values(answer.body.data).some((v) => v !== null)) codes.add('data');
  for (const c of codes) target.outcomes.set(c, (target.outcomes.get(c) ?? 0) + 1);
}

/** A candidate, a job and the candidate's application to it, in the token's tenant. */
export async function linkedEntities(
  t: TestStack,
  token: string,
  tag: string,
): Promise<{ candidate: string; job: string; application: string }> {
  const c = await t.gql<{ createCandidate: { id: string } }>(
    'mutation($i: CreateCandidateInput!) { createCandidate(input: $i) { id } }',
    {
      i: {
        name: `C ${tag}`,
        email: `${tag}@${tag}.example`,
        skills: ['TypeScript'],
        yearsExperience: 3,
        resumeText: 'TypeScript',
      },
    },
    token,
  );
  const j = await t.gql<{ createJob: { id: string } }>(
    'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }',
    { i: { title: `J ${tag}`, description: 'TypeScript', requiredSkills: ['TypeScript'] } },
    token,
  );
  const candidate = c.data!.createCandidate.id;
  const job = j.data!.createJob.id;
  const app = await t.gql<{ applyToJob: { id: string } }>(
    'mutation($j: ID!, $c: ID!) { applyToJob(jobId: $j, candidateId: $c) { id } }',
    { j: job, c: candidate },
    token,
  );
  return { candidate, job, application: app.data!.applyToJob.id };
}

/** Two tenants, each with candidates, jobs and applications, on a stack `t` already started. */
export async function prepareTarget(t: TestStack, secret: string): Promise<Target> {
  const a = await t.newTenant();
  const b = await t.newTenant();
  const seed = async (token: string, tag: string) => {
    const out: string[] = [];
    for (let i = 0; i < 3; i++) {
      const made = await linkedEntities(t, token, `${tag}${i}`);
      out.push(made.candidate, made.job, made.application);
    }
    return out;
  };
  const own = await seed(a.admin, 'a');
  const foreign = await seed(b.admin, 'b');
  const seen = new Map<string, Db>();
  for (const s of Object.values(t.stack.subgraphs)) seen.set(s.db.databaseName, s.db);
  return {
    t,
    url: t.stack.gateway.url,
    tokenA: a.admin,
    tokenB: b.admin,
    tenantA: a.id,
    tenantB: b.id,
    ids: { own, foreign },
    dbs: [...seen.values()],
    secret,
    outcomes: new Map(),
  };
}

const post = (url: string, token: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });

/**
 * Operations from the schema with hostile arguments, as tenant A: every answer is data or a client
 * error with a contract code, and a mutation that was refused left A's data as it was.
 * `updateTenant` has its own property: one that succeeds may set the tenant's rate limits to
 * nearly nothing, which would leave every later run RATE_LIMITED.
 */
export async function operationsProperty(
  target: Target,
  fields: { only?: string[]; except?: string[] } = { except: ['updateTenant'] },
) {
  const schema = await clientSchema(target.url, target.tokenA);
  return fc.asyncProperty(operationArb(schema, target.ids, fields), async (op) => {
    const before = op.mutation ? await tenantDigest(target.dbs, target.tenantA) : '';
    const what = `${op.query} with ${JSON.stringify(op.variables).slice(0, 300)}`;
    const answer = await expectClientAnswer(await post(target.url, target.tokenA, op), what);
    count(target, answer);
    if (op.mutation && (answer.body.data?.[op.field] ?? null) === null) {
      const after = await tenantDigest(target.dbs, target.tenantA);
      if (after !== before)
        throw new Error(`${what}: refused (${JSON.stringify(answer.body.errors)}) but the tenant's data changed`);
    }
    if (op.field === 'updateTenant') await restoreLimits(target);
  });
}

/**
 * Tenant A back on generous limits after a hostile updateTenant that may have succeeded, written to
 * the tenants collection itself: a limit of 1 request a minute would refuse the API call that
 * restores it. (The stack reads limits uncached, TENANT_LIMITS_CACHE_MS=0.)
 */
async function restoreLimits(target: Target): Promise<void> {
  for (const db of target.dbs) {
    await db.collection('tenants').updateOne(
      { _id: new ObjectId(target.tenantA) },
      {
        $set: {
          plan: 'ENTERPRISE',
          limits: { requestsPerMinute: 12000, assessmentsPerHour: 2000, maxCandidates: 1_000_000 },
        },
      },
    );
  }
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const TYPES = [
  'application/json',
  'application/graphql-response+json',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/graphql',
  '',
  'garbage/\u0000',
];

/** Raw HTTP: any method, media type and body, with or without a token. Never a 5xx. */
export function rawHttpProperty(target: Target) {
  const body = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 200 }),
    hostileValue.map((v) => JSON.stringify(v) ?? 'undefined'),
    fc
      .record({ query: hostileValue, variables: hostileValue, operationName: hostileValue, extensions: hostileValue })
      .map((v) => JSON.stringify(v)),
    fc.constantFrom(
      '{"query":"{ tenant { id } }"}',
      '[{"query":"{ tenant { id } }"}]',
      '{"query":"{ tenant { id } }","variables":"[]"}',
      'null',
      '{}',
      '[]',
    ),
  );
  return fc.asyncProperty(
    fc.constantFrom(...METHODS),
    fc.constantFrom(...TYPES),
    body,
    fc.boolean(),
    async (method, type, text, withToken) => {
      const headers: Record<string, string> = {};
      // fetch refuses to send some header values at all; those are not requests the server can get.
      if (type && !type.includes('\u0000')) headers['content-type'] = type;
      if (withToken) headers.authorization = `Bearer ${target.tokenA}`;
      const hasBody = method !== 'GET' && method !== 'OPTIONS';
      const url = hasBody ? target.url : `${target.url}?query=${encodeURIComponent(text)}`;
      const res = await fetch(url, { method, headers, body: hasBody ? text : undefined });
      count(target, await expectClientAnswer(res, `${method} ${type} ${text.slice(0, 200)}`));
    },
  );
}

/** Tokens an attacker would try; every one is refused, and none reads tenant A. */
export async function forgedTokens(target: Target): Promise<Record<string, string>> {
  const key = new TextEncoder().encode(target.secret);
  const claims = { tid: target.tenantA, roles: ['admin'] };
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const rsa = (await generateKeyPair('RS256')).privateKey;
  // With iat, as a real token has: each forgery below is refused for its own flaw.
  const sign = (c: Record<string, unknown>) =>
    new SignJWT(c).setProtectedHeader({ alg: 'HS256' }).setSubject('mallory').setIssuedAt();
  return {
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, sub: 'mallory', exp: now + 600 })}.`,
    'wrong key': await sign(claims)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode('not-the-secret-0123456789abcdefghijkl')),
    'RS256 from another key': await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('mallory')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(rsa),
    expired: await sign(claims)
      .setExpirationTime(now - 60)
      .sign(key),
    'not yet valid': await sign(claims)
      .setNotBefore(now + 3600)
      .setExpirationTime(now + 7200)
      .sign(key),
    'unknown role': await sign({ tid: target.tenantA, roles: ['root'] })
      .setExpirationTime('10m')
      .sign(key),
    'roles not a list': await sign({ tid: target.tenantA, roles: 'admin' }).setExpirationTime('10m').sign(key),
    'tid not an id': await sign({ tid: { $ne: null }, roles: ['admin'] })
      .setExpirationTime('10m')
      .sign(key),
    'no sub': await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key),
    'no exp': await sign(claims).sign(key),
    'no iat': await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setExpirationTime('10m')
      .sign(key),
    'living past JWT_MAX_AGE_SECONDS': await sign(claims)
      .setExpirationTime(now + 40 * 86_400)
      .sign(key),
    "a service token signed with the users' secret": await sign({ tid: target.tenantA, roles: ['service'] })
      .setIssuer('hiregraph')
      .setAudience('hiregraph-internal')
      .setExpirationTime('5m')
      .sign(key),
    huge: await sign({ ...claims, pad: 'x'.repeat(200_000) })
      .setExpirationTime('10m')
      .sign(key),
    'signature stripped': (await sign(claims).setExpirationTime('10m').sign(key)).replace(/\.[^.]+$/, '.'),
    'another tenant in tid, signature of the original': await (async () => {
      const real = await sign(claims).setExpirationTime('10m').sign(key);
      const [h, , s] = real.split('.');
      return `${h}.${b64({ tid: target.tenantB, roles: ['admin'], sub: 'mallory', exp: now + 600 })}.${s}`;
    })(),
  };
}

/** Every forged or garbage token: UNAUTHENTICATED (or FORBIDDEN), and no tenant data in the answer. */
export async function tokensProperty(target: Target) {
  const forged = await forgedTokens(target);
  const token = fc.oneof(
    fc.constantFrom(...Object.values(forged)),
    fc.string({ maxLength: 300 }).filter((s) => /^[\x21-\x7e]*$/.test(s)),
    fc.constantFrom('', 'null', 'Bearer', `${'a'.repeat(10_000)}.b.c`, new ObjectId().toHexString()),
  );
  return fc.asyncProperty(token, async (tok) => {
    const answer = await expectClientAnswer(
      await post(target.url, tok, { query: '{ tenant { id name } candidates { edges { node { id email } } } }' }),
      `token ${tok.slice(0, 80)}`,
    );
    // Refused before GraphQL (a header too large is a 431 from Node): nothing was read.
    if (answer.status >= 400 && !answer.body.errors) return;
    const codes = (answer.body.errors ?? []).map((e) => e.extensions?.code);
    if (!codes.length || codes.some((c) => c !== 'UNAUTHENTICATED' && c !== 'FORBIDDEN' && c !== 'BAD_REQUEST')) {
      throw new Error(
        `token ${tok.slice(0, 80)}: expected UNAUTHENTICATED, got ${JSON.stringify(answer.body).slice(0, 300)}`,
      );
    }
    const data = JSON.stringify(answer.body.data ?? null);
    if (data.includes(target.tenantA) || target.ids.own.some((id) => data.includes(id)))
      throw new Error(`token ${tok.slice(0, 80)} read tenant A's data`);
  });
}

/** Tenant B's data is untouched by whatever tenant A sent. */
export async function digestOfB(target: Target): Promise<string> {
  return tenantDigest(target.dbs, target.tenantB);
}
