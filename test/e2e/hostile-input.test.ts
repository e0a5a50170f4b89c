import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { closeRedis, redisConnection } from '../../shared/redis';
import { obliterateQueue } from '../../subgraphs/assessment/engine/queue';
import { REAL_REDIS_URL } from '../support/runs';
import {
  digestOfB,
  operationsProperty,
  prepareTarget,
  rawHttpProperty,
  tokensProperty,
  type Target,
} from '../fuzz/properties';
import { everyPathOnce, isolationProperty } from '../fuzz/isolation';
import { startTestStack, type TestStack } from '../support/stack';
import { TEST_JWT_SECRET } from '../support/secrets';

/**
 * Hostile input as properties (fast-check), bounded so `npm test` stays quick; `npm run fuzz --
 * --runs N` runs the same properties longer. A failure prints the shrunk input and its seed.
 */
const RUNS = Number(process.env.HOSTILE_RUNS ?? 120);
const PREFIX = `hgtest-${randomBytes(4).toString('hex')}`;
let t: TestStack;
let target: Target;
let bBefore: string;
beforeAll(async () => {
  // Its own queue prefix: startAssessment enqueues, and no worker runs here.
  t = await startTestStack({ QUEUE_PREFIX: PREFIX, TENANT_LIMITS_CACHE_MS: '0' });
  target = await prepareTarget(t, TEST_JWT_SECRET);
  bBefore = await digestOfB(target);
}, 60_000);
afterAll(async () => {
  const redis = redisConnection(REAL_REDIS_URL, 'worker');
  await obliterateQueue(redis, PREFIX).catch(() => undefined);
  await closeRedis(redis);
  await t?.close();
});

test('operations from the schema with hostile arguments: data or a client error, and a refused write changes nothing', async () => {
  await fc.assert(await operationsProperty(target), { numRuns: RUNS });
  // The generator reaches resolvers, not only variable coercion: some calls succeed, some are refused by our checks.
  expect(target.outcomes.get('data') ?? 0).toBeGreaterThan(RUNS / 20);
  expect(target.outcomes.get('BAD_USER_INPUT') ?? 0).toBeGreaterThan(0);
}, 180_000);

test('updateTenant with hostile input: data or a client error, and a refused update changes nothing', async () => {
  await fc.assert(await operationsProperty(target, { only: ['updateTenant'] }), { numRuns: Math.max(30, RUNS / 4) });
}, 120_000);

test('raw HTTP with any method, media type and body is never a 5xx', async () => {
  await fc.assert(rawHttpProperty(target), { numRuns: RUNS });
}, 120_000);

test('forged, expired and garbage tokens are refused and read nothing', async () => {
  await fc.assert(await tokensProperty(target), { numRuns: Math.max(60, RUNS / 2) });
}, 120_000);

test('after the hostile input, the other tenant is exactly as it was and the gateway still serves', async () => {
  expect(await digestOfB(target)).toBe(bBefore);
  const r = await t.gql<{ tenant: { id: string } }>('{ tenant { id } }', {}, target.tokenB);
  expect(r.data?.tenant.id).toBe(target.tenantB);
});

// Last: both tenants create entities here, so the digest check above comes first.
test('tenant isolation as a property: random sequences of two tenants, through the gateway and every subgraph', async () => {
  await fc.assert(isolationProperty(target), { numRuns: Math.max(10, RUNS / 8), examples: [[everyPathOnce()]] });
  // Cross-tenant attempts really happened, on every path.
  for (const via of ['gateway', 'candidate', 'job', 'assessment']) {
    expect(target.outcomes.get(`foreign read via ${via}`) ?? 0).toBeGreaterThan(0);
  }
  expect(target.outcomes.get('foreign write') ?? 0).toBeGreaterThan(0);
}, 180_000);
