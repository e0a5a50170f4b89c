import { ObjectId, type Collection, type Db } from 'mongodb';
import { useTestDatabase, type AnyDoc } from '../support/mongo';

/**
 * A filter pinning an index's leading fields, sorted by its next field with a limit, examines only
 * up to the limit (MongoDB's index scan with a sort and limit), in find, aggregate and each
 * $unionWith sub-pipeline. Counted through serverStatus metrics.queryExecutor, as MongoDB reports it.
 */
const t = useTestDatabase('sorted');

async function examined(db: Db, fn: () => Promise<unknown>): Promise<number> {
  const status = () => db.admin().command({ serverStatus: 1 });
  const before = Number((await status()).metrics.queryExecutor.scannedObjects);
  await fn();
  return Number((await status()).metrics.queryExecutor.scannedObjects) - before;
}

const tenant = new ObjectId();
const [big, small] = [new ObjectId(), new ObjectId()];
let apps: Collection<AnyDoc>;
let bigIds: ObjectId[];

beforeAll(async () => {
  apps = t.db().collection<AnyDoc>('applications');
  await apps.createIndex({ tenantId: 1, jobId: 1, _id: -1 }, { name: 'tenant_job_newest' });
  const docs = Array.from({ length: 2000 }, (_, i) => ({ _id: new ObjectId(), tenantId: tenant, jobId: big, i }));
  await apps.insertMany([...docs, { _id: new ObjectId(), tenantId: tenant, jobId: small, i: 0 }]);
  bigIds = docs.map((d) => d._id).reverse();
});

const page = (jobId: ObjectId, n: number, after?: ObjectId): AnyDoc[] => [
  { $match: { tenantId: tenant, jobId, ...(after ? { _id: { $lt: after } } : {}) } },
  { $sort: { _id: -1 } },
  { $limit: n },
];

test('find with sort and limit reads the limit, newest first, on any page', async () => {
  let rows: AnyDoc[] = [];
  const n = await examined(t.db(), async () => {
    rows = await apps.find({ tenantId: tenant, jobId: big }).sort({ _id: -1 }).limit(2).toArray();
  });
  expect(rows.map((r) => r._id)).toEqual(bigIds.slice(0, 2));
  expect(n).toBeLessThanOrEqual(3);
  const later = await examined(t.db(), async () => {
    rows = await apps
      .find({ tenantId: tenant, jobId: big, _id: { $lt: bigIds[999] } })
      .sort({ _id: -1 })
      .limit(2)
      .toArray();
  });
  expect(rows.map((r) => r._id)).toEqual(bigIds.slice(1000, 1002));
  expect(later).toBeLessThanOrEqual(3);
  const plan = await apps.find({ tenantId: tenant, jobId: big }).sort({ _id: -1 }).limit(2).explain('executionStats');
  expect(plan.executionStats.totalDocsExamined).toBeLessThanOrEqual(3);
});

test('aggregate $match + $sort + $limit, and one $unionWith per parent, read about the limit each', async () => {
  let rows: AnyDoc[] = [];
  const n = await examined(t.db(), async () => {
    rows = await apps
      .aggregate([...page(big, 2), { $unionWith: { coll: 'applications', pipeline: page(small, 2) } }])
      .toArray();
  });
  expect(rows.map((r) => r._id)).toEqual([...bigIds.slice(0, 2), (await apps.findOne({ jobId: small }))!._id]);
  expect(n).toBeLessThanOrEqual(6);
  const second = await examined(t.db(), async () => {
    rows = await apps.aggregate(page(big, 3, bigIds[1])).toArray();
  });
  expect(rows.map((r) => r._id)).toEqual(bigIds.slice(2, 5));
  expect(second).toBeLessThanOrEqual(4);
});

test('ascending order, $gte bounds and a filter that rejects on the way stay correct', async () => {
  const asc = await apps
    .find({ tenantId: tenant, jobId: big, _id: { $gte: bigIds[10] } })
    .sort({ _id: 1 })
    .limit(3)
    .toArray();
  expect(asc.map((r) => r._id)).toEqual([bigIds[10], bigIds[9], bigIds[8]]);
  const even = await apps
    .aggregate([
      { $match: { tenantId: tenant, jobId: big, i: { $mod: [2, 0] } } },
      { $sort: { _id: -1 } },
      { $limit: 2 },
    ])
    .toArray();
  expect(even.map((r) => r.i)).toEqual([1998, 1996]);
});

test('after updates and deletes the order still holds; an array value falls back to sorting (multikey)', async () => {
  const c = t.db().collection<AnyDoc>('changing');
  await c.createIndex({ k: 1, v: 1 });
  await c.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i, k: 1, v: i })));
  await c.updateOne({ _id: 3 }, { $set: { v: 100 } });
  await c.deleteOne({ _id: 9 });
  const top = async () => (await c.find({ k: 1 }).sort({ v: -1 }).limit(3).toArray()).map((d) => d._id);
  expect(await top()).toEqual([3, 8, 7]);
  await c.insertOne({ _id: 20, k: 1, v: [0, 500] });
  expect(await top()).toEqual([20, 3, 8]);
});
