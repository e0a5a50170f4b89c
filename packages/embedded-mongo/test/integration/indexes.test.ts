import { MongoBulkWriteError, MongoServerError, ObjectId } from 'mongodb';
import { useTestDatabase, type AnyDoc } from '../support/mongo';

/** Unique and compound indexes, MongoDB's duplicate-key error shape, and index use for equality. */
const t = useTestDatabase('idx');

test('createIndexes, listIndexes, dropIndexes', async () => {
  const c = t.db().collection<AnyDoc>('lifecycle');
  await c.insertOne({ a: 1, b: 1 });
  expect(await c.createIndex({ a: 1, b: -1 }, { name: 'ab' })).toBe('ab');
  expect(await c.createIndex({ a: 1, b: -1 }, { name: 'ab' })).toBe('ab');
  const names = (await c.listIndexes().toArray()).map((i) => i.name).sort();
  expect(names).toEqual(['_id_', 'ab']);
  await expect(c.createIndex({ z: 1 }, { name: 'ab' })).rejects.toMatchObject({ code: 86 });
  await c.dropIndex('ab');
  expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
  await expect(c.dropIndex('_id_')).rejects.toBeInstanceOf(MongoServerError);
  await expect(c.dropIndex('missing')).rejects.toMatchObject({ code: 27 });
});

test('a per-tenant unique index: same email in two tenants, not twice in one', async () => {
  const c = t.db().collection<AnyDoc>('candidates');
  await c.createIndex({ tenantId: 1, emailLower: 1 }, { unique: true });
  const [t1, t2] = [new ObjectId(), new ObjectId()];
  await c.insertOne({ tenantId: t1, emailLower: 'ann@example.com' });
  await c.insertOne({ tenantId: t2, emailLower: 'ann@example.com' });
  const err = await c.insertOne({ tenantId: t1, emailLower: 'ann@example.com' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MongoServerError);
  const e = err as MongoServerError;
  expect(e.code).toBe(11000);
  expect(e.message).toMatch(
    /^E11000 duplicate key error collection: .*candidates index: tenantId_1_emailLower_1 dup key/,
  );
  expect(e.keyPattern).toEqual({ tenantId: 1, emailLower: 1 });
  expect(e.keyValue).toEqual({ tenantId: t1, emailLower: 'ann@example.com' });
  expect(await c.countDocuments({ tenantId: t1 })).toBe(1);
});

test('a duplicate in insertMany raises MongoBulkWriteError and keeps the documents before it', async () => {
  const c = t.db().collection<AnyDoc>('bulk');
  await c.createIndex({ slug: 1 }, { unique: true });
  const err = await c.insertMany([{ slug: 'a' }, { slug: 'b' }, { slug: 'a' }, { slug: 'c' }]).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MongoBulkWriteError);
  const bulk = err as MongoBulkWriteError;
  expect(bulk.code).toBe(11000);
  expect(bulk.writeErrors).toBeDefined();
  expect(bulk.insertedCount).toBe(2);
  expect(
    await c
      .find({}, { projection: { _id: 0 } })
      .sort({ slug: 1 })
      .toArray(),
  ).toEqual([{ slug: 'a' }, { slug: 'b' }]);
  const unordered = await c
    .insertMany([{ slug: 'b' }, { slug: 'd' }], { ordered: false })
    .catch((e: unknown) => e as MongoBulkWriteError);
  expect((unordered as MongoBulkWriteError).insertedCount).toBe(1);
});

test('a unique index cannot be built over existing duplicates, and updates cannot create one', async () => {
  const c = t.db().collection<AnyDoc>('dups');
  await c.insertMany([
    { _id: 1, k: 1 },
    { _id: 2, k: 1 },
    { _id: 3, k: 2 },
  ]);
  await expect(c.createIndex({ k: 1 }, { unique: true })).rejects.toMatchObject({ code: 11000 });
  expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
  await c.deleteOne({ _id: 2 });
  await c.createIndex({ k: 1 }, { unique: true });
  await expect(c.updateOne({ _id: 3 }, { $set: { k: 1 } })).rejects.toMatchObject({ code: 11000 });
  expect(await c.findOne({ _id: 3 })).toEqual({ _id: 3, k: 2 });
});

test("an equality on an index's leading field reads only that tenant's documents", async () => {
  const c = t.db().collection<AnyDoc>('scoped');
  const tenants = Array.from({ length: 20 }, () => new ObjectId());
  await c.insertMany(tenants.flatMap((tenantId) => Array.from({ length: 25 }, (_, i) => ({ tenantId, i }))));
  await c.createIndex({ tenantId: 1, i: 1 });
  const plan = await c.find({ tenantId: tenants[3] }).explain('executionStats');
  expect(plan.executionStats.nReturned).toBe(25);
  expect(plan.executionStats.totalDocsExamined).toBe(25);
  expect(JSON.stringify(plan.queryPlanner.winningPlan)).toContain('IXSCAN');
  const byId = await c
    .find({ _id: { $in: (await c.find({ tenantId: tenants[0] }).limit(3).toArray()).map((d) => d._id) } })
    .explain('executionStats');
  expect(byId.executionStats.totalDocsExamined).toBe(3);
  const unindexed = await c.find({ i: 3 }).explain('executionStats');
  expect(unindexed.executionStats.totalDocsExamined).toBe(500);
});

test('updates keep every index true: unchanged keys, changed keys, in and out of a partial index, sorted reads', async () => {
  const c = t.db().collection<AnyDoc>('reindex');
  await c.createIndex({ g: 1, n: 1 }, { name: 'g_n' });
  await c.createIndex({ flag: 1 }, { name: 'flagged', partialFilterExpression: { flag: true } });
  await c.insertMany([
    { _id: 1, g: 'a', n: 3, flag: true, body: 'x' },
    { _id: 2, g: 'a', n: 1, flag: false, body: 'y' },
    { _id: 3, g: 'b', n: 2, flag: true, body: 'z' },
  ]);
  const ids = async (filter: AnyDoc, sort: AnyDoc = { _id: 1 }, limit = 0) =>
    (await c.find(filter).sort(sort).limit(limit).toArray()).map((d) => d._id as number);
  // A field no index holds: every read by index still finds the document, in the same place.
  await c.updateOne({ _id: 1 }, { $set: { body: 'changed', extra: [1, 2] } });
  expect(await ids({ g: 'a' }, { n: 1 }, 1)).toEqual([2]);
  expect(await ids({ g: 'a' }, { n: -1 }, 1)).toEqual([1]);
  expect(await ids({ flag: true })).toEqual([1, 3]);
  // An indexed field changes: found under its new key, gone from the old, sorted by the new value.
  await c.updateOne({ _id: 1 }, { $set: { n: 0 } });
  expect(await ids({ g: 'a' }, { n: 1 }, 1)).toEqual([1]);
  expect(await ids({ g: 'a', n: 3 })).toEqual([]);
  expect(await ids({ g: 'a', n: 0 })).toEqual([1]);
  await c.updateOne({ _id: 3 }, { $set: { g: 'a' } });
  expect(await ids({ g: 'a' }, { n: 1 })).toEqual([1, 2, 3]);
  expect(await ids({ g: 'b' })).toEqual([]);
  // Out of the partial index and back into it.
  await c.updateOne({ _id: 1 }, { $set: { flag: false } });
  expect(await ids({ flag: true })).toEqual([3]);
  await c.updateOne({ _id: 2 }, { $set: { flag: true } });
  expect(await ids({ flag: true })).toEqual([2, 3]);
  // A replacement that keeps the keys, then one that drops a field.
  await c.replaceOne({ _id: 2 }, { g: 'a', n: 1, flag: true });
  expect(await ids({ g: 'a', n: 1 })).toEqual([2]);
  await c.replaceOne({ _id: 2 }, { g: 'a', flag: true });
  expect(await ids({ g: 'a', n: 1 })).toEqual([]);
  expect(await ids({ g: 'a', n: null })).toEqual([2]);
  expect(await ids({ g: 'a' }, { n: 1 }, 1)).toEqual([2]);
});
