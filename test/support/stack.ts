import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { signToken, type Role, type TokenClaims } from '../../shared/auth';
import { loadConfig, type Config } from '../../shared/config';
import { startStack, type Stack } from '../../scripts/stack';
import { startTestMongo, uniqueDbName, type TestMongo } from './mongo';
import { TEST_ENV } from './secrets';

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string; [k: string]: unknown } }>;
}

/** The whole graph on port 0 over one MongoDB, with a database of its own. */
export interface TestStack {
  stack: Stack;
  mongo: TestMongo;
  config: Config;
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
    url?: string,
  ): Promise<GqlResult<T>>;
  token(role: Role | Role[], tenantId?: string, sub?: string): Promise<string>;
  /** Creates a tenant through the API and returns its id with an admin token for it. */
  newTenant(slug?: string): Promise<{ id: string; admin: string }>;
  close(): Promise<void>;
}

const SUPERGRAPH = resolve(__dirname, '../../schema/supergraph.graphql');

export interface TestStackOptions {
  /** How t.token signs users' tokens; default HS256 with the stack's JWT_SECRET (a JWKS stack brings its own). */
  sign?: (claims: TokenClaims) => Promise<string>;
}

export async function startTestStack(
  env: Record<string, string> = {},
  opts: TestStackOptions = {},
): Promise<TestStack> {
  const mongo = await startTestMongo();
  const config = loadConfig({ ...TEST_ENV, MONGODB_DB: uniqueDbName('e2e'), LOG_LEVEL: 'silent', ...env });
  let stack: Stack;
  try {
    stack = await startStack({
      config,
      mongoUri: mongo.uri,
      randomPorts: true,
      supergraphSdl: readFileSync(SUPERGRAPH, 'utf8'),
    });
  } catch (err) {
    await mongo.close();
    throw err;
  }
  // A JWKS stack (no JWT_SECRET) signs its users' tokens elsewhere; these then fail as they should.
  const secret = config.JWT_SECRET ?? 'no-hs256-secret-with-a-jwks-0123456789';
  const gql: TestStack['gql'] = async (query, variables, token, url) => {
    const res = await fetch(url ?? stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: unknown; errors?: GqlResult['errors'] };
    return { status: res.status, headers: res.headers, data: (body.data ?? null) as never, errors: body.errors };
  };
  const token: TestStack['token'] = (role, tenantId, sub = 'test-user') => {
    const claims = { sub, tid: tenantId, roles: Array.isArray(role) ? role : [role] };
    return opts.sign ? opts.sign(claims) : signToken(secret, claims);
  };
  let n = 0;
  return {
    stack,
    mongo,
    config,
    gql,
    token,
    async newTenant(slug) {
      const s = slug ?? `t-${Date.now().toString(36)}-${n++}`;
      // ENTERPRISE limits, so suites that seed hundreds of records are not rate limited.
      const res = await gql<{ createTenant: { id: string } }>(
        'mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }',
        { i: { slug: s, name: `Tenant ${s}`, plan: 'ENTERPRISE' } },
        await token('platform-admin'),
      );
      if (!res.data) throw new Error(`createTenant failed: ${JSON.stringify(res.errors)}`);
      const id = res.data.createTenant.id;
      return { id, admin: await token('admin', id) };
    },
    async close() {
      try {
        await stack.subgraphs.tenant.db.dropDatabase().catch(() => undefined);
        await stack.close();
      } finally {
        await mongo.close();
      }
    },
  };
}

/** What a process started beside the stack needs to join it: its database, the supergraph and every subgraph's URL. */
export function stackEnv(t: TestStack): Record<string, string> {
  const s = t.stack.subgraphs;
  return {
    ...TEST_ENV,
    JWT_SECRET: t.config.JWT_SECRET ?? '',
    ...(t.config.INTERNAL_JWT_SECRET && { INTERNAL_JWT_SECRET: t.config.INTERNAL_JWT_SECRET }),
    MONGODB_DB: t.config.MONGODB_DB,
    SUPERGRAPH_PATH: SUPERGRAPH,
    TENANT_URL: s.tenant.url,
    CANDIDATE_URL: s.candidate.url,
    JOB_URL: s.job.url,
    ASSESSMENT_URL: s.assessment.url,
  };
}

/**
 * What `start` makes, for the tests of the enclosing file or describe block: started in a
 * beforeAll, closed in an afterAll. The returned object stands for it once started; reading it
 * earlier (at the top level of the file) throws, naming `what`.
 */
export function useStarted<T extends object>(what: string, start: () => Promise<T>, close: (v: T) => Promise<void>): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  });
  afterAll(async () => {
    if (started) await close(started);
  });
  return new Proxy({} as T, {
    get(_, name) {
      if (!started) throw new Error(`${what}'s ${String(name)} was read before beforeAll started it`);
      const value = (started as Record<string | symbol, unknown>)[name];
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(started) : value;
    },
  });
}

/** The whole graph (startTestStack) for the tests of the enclosing file or describe block. */
export function useTestStack(env: Record<string, string> = {}, opts: TestStackOptions = {}): TestStack {
  return useStarted(
    'the test stack',
    () => startTestStack(env, opts),
    (t) => t.close(),
  );
}
