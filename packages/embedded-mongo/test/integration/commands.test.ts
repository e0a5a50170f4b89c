import { MongoServerError, type Collection } from 'mongodb';
import { uniqueDbName, useTestDatabase, type AnyDoc } from '../support/mongo';

/** Each command the application relies on, through the official driver. */
const t = useTestDatabase('cmds');
let coll: Collection<AnyDoc>;

beforeEach(async () => {
  coll = t.db().collection<AnyDoc>(`c_${Math.random().toString(36).slice(2, 8)}`);
  await coll.insertMany(
    Array.from({ length: 10 }, (_, i) => ({ _id: i, n: i, tag: i % 2 ? 'odd' : 'even', nested: { k: i } })),
  );
});

test('handshake commands answer', async () => {
  const admin = t.mongo().client.db('admin');
  expect((await admin.command({ ping: 1 })).ok).toBe(1);
  const hello = await admin.command({ hello: 1 });
  expect(hello.isWritablePrimary).toBe(true);
  expect(hello.maxWireVersion).toBeGreaterThanOrEqual(21);
  const info = await admin.command({ buildInfo: 1 });
  expect(info.versionArray[0]).toBeGreaterThanOrEqual(7);
  const fcv = await admin.command({ getParameter: 1, featureCompatibilityVersion: 1 });
  expect(typeof fcv.featureCompatibilityVersion.version).toBe('string');
});

test('an unknown command answers CommandNotFound (59)', async () => {
  const err = await t
    .db()
    .command({ frobnicate: 1 })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MongoServerError);
  expect((err as MongoServerError).code).toBe(59);
  expect((err as MongoServerError).codeName).toBe('CommandNotFound');
  expect((await t.db().command({ ping: 1 })).ok).toBe(1);
});

test('find: filter, sort, skip, limit, projection', async () => {
  const docs = await coll
    .find({ tag: 'odd' }, { projection: { n: 1, _id: 0 } })
    .sort({ n: -1 })
    .skip(1)
    .limit(2)
    .toArray();
  expect(docs).toEqual([{ n: 7 }, { n: 5 }]);
  const excl = await coll.findOne({ _id: 3 }, { projection: { nested: 0, tag: 0 } });
  expect(excl).toEqual({ _id: 3, n: 3 });
  const dotted = await coll.findOne({ 'nested.k': 4 }, { projection: { 'nested.k': 1 } });
  expect(dotted).toEqual({ _id: 4, nested: { k: 4 } });
});

test('batchSize, getMore and killCursors', async () => {
  const cursor = coll.find({}, { batchSize: 3 }).sort({ _id: 1 });
  const seen: number[] = [];
  for await (const d of cursor) seen.push(d._id);
  expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const first = await t.db().command({ find: coll.collectionName, filter: {}, batchSize: 2 }, { promoteLongs: false });
  expect(first.cursor.firstBatch).toHaveLength(2);
  const id = first.cursor.id;
  expect(String(id)).not.toBe('0');
  const killed = await t.db().command({ killCursors: coll.collectionName, cursors: [id] });
  expect(killed.cursorsKilled.map(String)).toEqual([String(id)]);
  await expect(t.db().command({ getMore: id, collection: coll.collectionName })).rejects.toMatchObject({ code: 43 });
});

test('update: operators, replacement, upsert, multi and arrayFilters', async () => {
  const r1 = await coll.updateMany({ tag: 'odd' }, { $set: { flag: true }, $inc: { n: 100 } });
  expect(r1.matchedCount).toBe(5);
  expect(r1.modifiedCount).toBe(5);
  expect(await coll.countDocuments({ flag: true, n: { $gte: 100 } })).toBe(5);
  await coll.replaceOne({ _id: 0 }, { only: 'field' });
  expect(await coll.findOne({ _id: 0 })).toEqual({ _id: 0, only: 'field' });
  const up = await coll.updateOne({ _id: 'new' }, { $setOnInsert: { created: 1 }, $set: { x: 1 } }, { upsert: true });
  expect(up.upsertedId).toBe('new');
  expect(await coll.findOne({ _id: 'new' })).toEqual({ _id: 'new', created: 1, x: 1 });
  await coll.insertOne({ _id: 'arr', items: [{ q: 1 }, { q: 5 }, { q: 9 }] });
  await coll.updateOne({ _id: 'arr' }, { $set: { 'items.$[big].q': 0 } }, { arrayFilters: [{ 'big.q': { $gt: 4 } }] });
  expect((await coll.findOne({ _id: 'arr' }))!.items).toEqual([{ q: 1 }, { q: 0 }, { q: 0 }]);
  await coll.updateOne(
    { _id: 'arr', 'items.q': 1 },
    { $set: { 'items.$.q': 2 }, $push: { log: { $each: ['a', 'b'] } as never } },
  );
  expect(await coll.findOne({ _id: 'arr' })).toMatchObject({ items: [{ q: 2 }, { q: 0 }, { q: 0 }], log: ['a', 'b'] });
});

test('update refuses bad input and leaves the document unchanged', async () => {
  await expect(coll.updateOne({ _id: 1 }, { $set: { _id: 99 } })).rejects.toMatchObject({ code: 66 });
  await expect(coll.updateOne({ _id: 1 }, { $inc: { tag: 1 } })).rejects.toMatchObject({ code: 14 });
  await expect(coll.updateOne({ _id: 1 }, { $set: { a: 1 }, $unset: { a: '' } })).rejects.toMatchObject({ code: 40 });
  expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, n: 1, tag: 'odd', nested: { k: 1 } });
});

test('delete one and many', async () => {
  expect((await coll.deleteOne({ tag: 'even' })).deletedCount).toBe(1);
  expect((await coll.deleteMany({ tag: 'even' })).deletedCount).toBe(4);
  expect(await coll.countDocuments()).toBe(5);
});

test('findAndModify: before, after, sort, upsert and remove', async () => {
  const before = await coll.findOneAndUpdate({ tag: 'odd' }, { $set: { seen: 1 } }, { sort: { n: -1 } });
  expect(before).toMatchObject({ _id: 9 });
  expect(before!.seen).toBeUndefined();
  const after = await coll.findOneAndUpdate(
    { _id: 9 },
    { $inc: { seen: 1 } },
    { returnDocument: 'after', projection: { seen: 1 } },
  );
  expect(after).toEqual({ _id: 9, seen: 2 });
  const upserted = await coll.findOneAndUpdate(
    { _id: 'fresh' },
    { $set: { v: 1 } },
    { upsert: true, returnDocument: 'after' },
  );
  expect(upserted).toEqual({ _id: 'fresh', v: 1 });
  const removed = await coll.findOneAndDelete({ tag: 'even' }, { sort: { n: 1 } });
  expect(removed).toMatchObject({ _id: 0 });
  expect(await coll.findOne({ _id: 0 })).toBeNull();
});

test('count and distinct', async () => {
  expect(await coll.countDocuments({ tag: 'odd' })).toBe(5);
  expect(await coll.estimatedDocumentCount()).toBe(10);
  expect(await coll.countDocuments({}, { skip: 2, limit: 5 })).toBe(5);
  expect((await coll.distinct('tag')).sort()).toEqual(['even', 'odd']);
  await coll.insertOne({ _id: 'arr', tag: ['x', 'odd'] });
  expect((await coll.distinct('tag', { n: { $exists: false } })).sort()).toEqual(['odd', 'x']);
});

test('collections and databases: create, list, drop', async () => {
  const name = `made_${Date.now()}`;
  await t.db().createCollection(name);
  await expect(t.db().createCollection(name)).rejects.toMatchObject({ code: 48 });
  const names = (await t.db().listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  expect(names).toContain(name);
  expect(await t.db().dropCollection(name)).toBe(true);
  expect((await t.db().listCollections({ name }).toArray()).length).toBe(0);
  const other = t.mongo().client.db(uniqueDbName('dropme'));
  await other.collection<AnyDoc>('x').insertOne({ a: 1 });
  const listed = (await t.mongo().client.db('admin').admin().listDatabases()).databases.map((d) => d.name);
  expect(listed).toContain(other.databaseName);
  await other.dropDatabase();
  const after = (await t.mongo().client.db('admin').admin().listDatabases()).databases.map((d) => d.name);
  expect(after).not.toContain(other.databaseName);
});
