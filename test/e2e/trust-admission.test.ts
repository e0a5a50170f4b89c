import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { ObjectId } from 'mongodb';
import type { Counter } from 'prom-client';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { loadConfig } from '../../shared/config';
import { holdRefusedPort } from '../support/refused-port';
import { TEST_ENV } from '../support/secrets';
import { startTestStack, type GqlResult, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait';

/**
 * Admission at the gateway: requests stay rate limited when the tenant's limits cannot be read
 * (fail closed), and one user cannot spend the whole tenant's budget.
 */
let t: TestStack;
const cleanup: Array<() => Promise<unknown>> = [];
// FREE's configured budget is the fallback for a tenant this gateway never read.
const ENV = { TENANT_LIMITS_CACHE_MS: '0', PLAN_LIMITS_FREE: '{"requestsPerMinute":4}', RATE_LIMIT_USER_SHARE: '0.5' };
let redis: Redis;
beforeAll(async () => {
  t = await startTestStack(ENV);
  redis = new Redis(t.config.REDIS_URL);
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  redis?.disconnect();
  await t?.close();
});

const codeOf = (r: GqlResult) => r.errors?.[0]?.extensions?.code;
const Q = '{ candidates(first: 1) { totalCount } }';

/** A tenant with this requestsPerMinute, written to its document: no request of the tenant is counted doing so. */
async function tenantWithRpm(requestsPerMinute: number): Promise<{ id: string; admin: string }> {
  const { id, admin } = await t.newTenant();
  await t.stack.subgraphs.tenant.db
    .collection('tenants')
    .updateOne({ _id: new ObjectId(id) }, { $set: { 'limits.requestsPerMinute': requestsPerMinute } });
  return { id, admin };
}

/** A gateway of its own whose tenant subgraph is at `tenantUrl`; every user gets the tenant's whole budget. */
async function gatewayWithTenantAt(tenantUrl: string): Promise<RunningGateway> {
  const s = t.stack.subgraphs;
  const gateway = await startGateway({
    config: loadConfig({
      ...TEST_ENV,
      ...ENV,
      LOG_LEVEL: 'silent',
      MONGODB_DB: t.config.MONGODB_DB,
      RATE_LIMIT_USER_SHARE: '1',
    }),
    port: 0,
    subgraphUrls: { tenant: tenantUrl, candidate: s.candidate.url, job: s.job.url, assessment: s.assessment.url },
  });
  cleanup.push(() => gateway.close());
  // Until its Redis connection is up, a new gateway counts in memory (the insurance limiter), which
  // would split a budget in two: requests of another tenant until one is counted in Redis.
  const warm = await t.newTenant();
  await waitFor(
    async () => {
      await t.gql(Q, {}, warm.admin, gateway.url);
      return (await redis.exists(`${t.config.QUEUE_PREFIX}:rate:rpm:${warm.id}`)) === 1;
    },
    10_000,
    'a request counted in Redis',
  );
  return gateway;
}

/** An HTTP hop to the tenant subgraph that answers 503 once switched off: the subgraph erroring. */
async function switchableTenant(): Promise<{ url: string; off(): void }> {
  let on = true;
  const target = t.stack.subgraphs.tenant.url;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (!on) return void res.writeHead(503).end('down');
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          ([k, v]) => typeof v === 'string' && !['host', 'content-length'].includes(k),
        ),
      ) as Record<string, string>;
      fetch(target, { method: req.method, headers, body: Buffer.concat(chunks) }).then(
        async (up) => res.writeHead(up.status, { 'content-type': 'application/json' }).end(await up.text()),
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => server.close(r)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, off: () => (on = false) };
}

async function fallbacks(gateway: RunningGateway, fallback: string): Promise<number> {
  const metric = gateway.metrics.registry.getSingleMetric('hiregraph_tenant_limits_fallback_total') as
    Counter | undefined;
  const values = (await metric?.get())?.values ?? [];
  return values.find((v) => v.labels.fallback === fallback)?.value ?? 0;
}

async function sequentially(n: number, send: () => Promise<GqlResult>): Promise<GqlResult[]> {
  const out: GqlResult[] = [];
  for (let i = 0; i < n; i++) out.push(await send());
  return out;
}

describe('fail closed when the tenant limits cannot be read', () => {
  test('tenant subgraph unreachable: a tenant this gateway never read gets the FREE plan budget', async () => {
    const { admin } = await tenantWithRpm(1000);
    const down = await holdRefusedPort();
    cleanup.push(() => down.close());
    const gateway = await gatewayWithTenantAt(down.url('http', '/graphql'));
    const answers = await sequentially(6, () => t.gql(Q, {}, admin, gateway.url));
    expect(answers.map(codeOf)).toEqual([undefined, undefined, undefined, undefined, 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(answers[4]!.status).toBe(429);
    expect(answers[4]!.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);
    expect(await fallbacks(gateway, 'free_plan')).toBeGreaterThanOrEqual(6);
  });

  test('tenant subgraph erroring: the limits this gateway last read still apply', async () => {
    const { admin } = await tenantWithRpm(7);
    const tenant = await switchableTenant();
    const gateway = await gatewayWithTenantAt(tenant.url);
    expect(codeOf(await t.gql(Q, {}, admin, gateway.url))).toBeUndefined(); // reads the limits: 7
    tenant.off();
    const answers = await sequentially(8, () => t.gql(Q, {}, admin, gateway.url));
    // 6 more fit in the 7 (not FREE's 4, not unlimited).
    expect(answers.filter((r) => !r.errors)).toHaveLength(6);
    expect(answers.slice(6).map(codeOf)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    expect(await fallbacks(gateway, 'last_known')).toBeGreaterThanOrEqual(8);
  });
});

describe('a budget per user inside a tenant', () => {
  test('one viewer spending its share does not stop another user of the tenant', async () => {
    const { id } = await tenantWithRpm(10);
    const [a, b] = await Promise.all([t.token('viewer', id, 'user-a'), t.token('viewer', id, 'user-b')]);
    // At once: exactly half of 10 get through for A.
    const burst = await Promise.all(Array.from({ length: 8 }, () => t.gql(Q, {}, a)));
    expect(burst.filter((r) => !r.errors)).toHaveLength(5);
    const refused = burst.filter((r) => r.errors);
    expect(refused.map(codeOf)).toEqual(['RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(refused[0]!.status).toBe(429);
    expect(refused[0]!.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused[0]!.errors![0]!.message).toMatch(/user-a/);
    // A's refused requests took nothing from the tenant: B still has its 5.
    const forB = await sequentially(5, () => t.gql(Q, {}, b));
    expect(forB.map(codeOf)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(codeOf(await t.gql(Q, {}, b))).toBe('RATE_LIMITED');
  });
});
