import { MongoClient, type Db } from 'mongodb';
import { BUILT_IN_PLAN_LIMITS } from '../../shared/plans';
import { lowerOnly, parseLimits, patchUpdate } from '../../subgraphs/tenant/limits';
import { TenantRepository } from '../../subgraphs/tenant/repository';
import { startTestMongo, uniqueDbName, type TestMongo } from '../support/mongo';

/**
 * An admin's lowering is checked against the tenant as read, then written only while the check
 * still holds: a write that lands in between (another admin lowering further) makes it refuse.
 * The e2e test races requests; this one puts the other write between read and write every time.
 */
let mongo: TestMongo;
let client: MongoClient;
let db: Db;
beforeAll(async () => {
  mongo = await startTestMongo();
  client = await MongoClient.connect(mongo.uri);
  db = client.db(uniqueDbName('limits'));
});
afterAll(async () => {
  await db?.dropDatabase().catch(() => undefined);
  await client?.close();
  await mongo?.close();
});

const DEFAULT_MAX_COST = 300_000;

test('a lowering checked on a stale read does not raise what another admin lowered in between', async () => {
  const repo = new TenantRepository(db, BUILT_IN_PLAN_LIMITS);
  const tenant = await repo.create({ slug: 'race-co', name: 'Race', plan: 'FREE' });
  const mine = parseLimits({ requestsPerMinute: 60, maxQueryCost: 5000 });
  const guard = lowerOnly(tenant.limits, mine, DEFAULT_MAX_COST); // read: 120 and the default
  await repo.update(tenant._id, { 'limits.requestsPerMinute': 10 }); // the other admin, in between
  const { set, unset } = patchUpdate(mine);
  expect(await repo.update(tenant._id, set, unset, guard)).toBeNull();
  expect((await repo.byId(tenant._id))!.limits.requestsPerMinute).toBe(10);
  // With nothing in between, the same change is written.
  const fresh = await repo.byId(tenant._id);
  const ok = parseLimits({ requestsPerMinute: 5, maxQueryCost: 5000 });
  const written = await repo.update(
    tenant._id,
    patchUpdate(ok).set,
    [],
    lowerOnly(fresh!.limits, ok, DEFAULT_MAX_COST),
  );
  expect(written!.limits).toMatchObject({ requestsPerMinute: 5, maxQueryCost: 5000 });
});

test('maxQueryCost back to null only holds while the current one is at least the default', async () => {
  const repo = new TenantRepository(db, BUILT_IN_PLAN_LIMITS);
  const tenant = await repo.create({ slug: 'cost-co', name: 'Cost', plan: 'FREE' });
  await repo.update(tenant._id, { 'limits.maxQueryCost': 400_000 }); // a platform admin's grant
  const reset = parseLimits({ maxQueryCost: null });
  const guard = lowerOnly({ ...tenant.limits, maxQueryCost: 400_000 }, reset, DEFAULT_MAX_COST);
  await repo.update(tenant._id, { 'limits.maxQueryCost': 50 }); // lowered in between
  expect(await repo.update(tenant._id, {}, ['limits.maxQueryCost'], guard)).toBeNull();
  expect(() => lowerOnly({ ...tenant.limits, maxQueryCost: 50 }, reset, DEFAULT_MAX_COST)).toThrow(
    /at most 50 .* received null/,
  );
});
