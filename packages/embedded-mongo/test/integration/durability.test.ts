import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { AnyDoc } from '../support/mongo';
import { killHard, spawnEmbeddedMongo, type MongoProcess } from '../support/mongo-process';

/**
 * The embedded server's journal: every acknowledged write survives kill -9 of its process.
 * This tests the project's server itself, so it runs even when MONGODB_URI points elsewhere.
 */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hiregraph-mongo-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function start(dir: string): Promise<{ proc: MongoProcess; client: MongoClient }> {
  const proc = await spawnEmbeddedMongo(dir);
  cleanups.push(() => killHard(proc));
  const client = new MongoClient(proc.uri, { serverSelectionTimeoutMS: 5000 });
  cleanups.push(() => client.close(true));
  return { proc, client };
}

test('every acknowledged write survives kill -9, including writes racing the kill', async () => {
  const dir = tempDir();
  const first = await start(dir);
  const coll = first.client.db('crash').collection<AnyDoc>('events');
  await coll.createIndex({ key: 1 }, { unique: true });
  for (let i = 0; i < 200; i++) await coll.insertOne({ _id: i, key: `k${i}`, n: 0 });
  await coll.updateMany({ _id: { $lt: 50 } }, { $inc: { n: 1 } });
  await coll.deleteMany({ _id: { $gte: 190 } });
  // A burst in flight when the process dies: those acknowledged before the kill must be there.
  const acknowledged: number[] = [];
  const burst = Array.from({ length: 300 }, (_, k) => 1000 + k).map((id) =>
    coll.insertOne({ _id: id, key: `k${id}`, n: 0 }).then(
      () => {
        acknowledged.push(id);
      },
      () => undefined,
    ),
  );
  while (acknowledged.length < 50) await new Promise((r) => setImmediate(r));
  await killHard(first.proc);
  await Promise.allSettled(burst);
  await first.client.close(true);

  const second = await start(dir);
  const again = second.client.db('crash').collection<AnyDoc>('events');
  const ids = new Set((await again.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
  for (let i = 0; i < 190; i++) expect(ids.has(i)).toBe(true);
  for (let i = 190; i < 200; i++) expect(ids.has(i)).toBe(false);
  for (const id of acknowledged) expect(ids.has(id)).toBe(true);
  expect(await again.countDocuments({ _id: { $lt: 50 }, n: 1 })).toBe(50);
  expect(await again.countDocuments({ _id: { $gte: 50, $lt: 190 }, n: 0 })).toBe(140);
  await expect(again.insertOne({ _id: 5000, key: 'k1' })).rejects.toMatchObject({ code: 11000 });
});

test('a torn record at the end of the journal is dropped and the rest is kept', async () => {
  const dir = tempDir();
  const first = await start(dir);
  await first.client
    .db('torn')
    .collection<AnyDoc>('c')
    .insertMany([{ _id: 1 }, { _id: 2 }]);
  await killHard(first.proc);
  appendFileSync(join(dir, 'journal.bson'), Buffer.from([0x40, 0, 0, 0, 3, 0x6f, 0x70]));
  const second = await start(dir);
  expect(await second.client.db('torn').collection<AnyDoc>('c').countDocuments()).toBe(2);
  await second.client.db('torn').collection<AnyDoc>('c').insertOne({ _id: 3 });
  await killHard(second.proc);
  const third = await start(dir);
  expect(await third.client.db('torn').collection<AnyDoc>('c').countDocuments()).toBe(3);
});

test('the journal is compacted at start', async () => {
  const dir = tempDir();
  const first = await start(dir);
  const coll = first.client.db('compact').collection<AnyDoc>('c');
  await coll.insertOne({ _id: 1, n: 0, pad: 'x'.repeat(1000) });
  for (let i = 0; i < 200; i++) await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } });
  await killHard(first.proc);
  const before = statSync(join(dir, 'journal.bson')).size;
  const second = await start(dir);
  expect(await second.client.db('compact').collection<AnyDoc>('c').findOne({ _id: 1 })).toMatchObject({ n: 200 });
  const after = statSync(join(dir, 'journal.bson')).size;
  expect(after).toBeLessThan(before / 50);
});
