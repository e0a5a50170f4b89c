import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { EmbeddedMongo, startMongoThread, type ThreadedMongo } from '../../src/index';

/**
 * The embedded server on a thread of its own (what `npm start` runs): the driver talks to it as to
 * any server, it keeps its journal across a restart, close() is safe twice, and a server that
 * cannot listen says why. This tests the project's server itself, so it runs even when
 * MONGODB_URI points elsewhere.
 */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function threaded(dataDir?: string): Promise<{ server: ThreadedMongo; client: MongoClient }> {
  const server = await startMongoThread({ dataDir, fsync: false });
  cleanups.push(() => server.close());
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  cleanups.push(() => client.close(true));
  return { server, client };
}

test('runs off this thread, keeps its journal across a restart, and closes twice without error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hiregraph-thread-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const servers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
  const before = servers();
  const first = await threaded(dir);
  // Its listening socket is not among this thread's handles (an embedded server here adds one).
  expect(servers()).toBe(before);
  const here = await EmbeddedMongo.start();
  expect(servers()).toBe(before + 1);
  await here.close();
  const coll = first.client.db('thread').collection<{ _id: number; n: number }>('docs');
  await coll.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, n: i * 2 })));
  await first.client.close();
  await first.server.close();
  await first.server.close();

  const second = await threaded(dir);
  const docs = await second.client
    .db('thread')
    .collection('docs')
    .find({ n: { $gte: 90 } })
    .sort({ _id: 1 })
    .toArray();
  expect(docs).toEqual([
    { _id: 45, n: 90 },
    { _id: 46, n: 92 },
    { _id: 47, n: 94 },
    { _id: 48, n: 96 },
    { _id: 49, n: 98 },
  ]);
});

test('a thread that cannot listen says why, and leaves nothing running', async () => {
  const taken = await EmbeddedMongo.start();
  cleanups.push(() => taken.close());
  await expect(startMongoThread({ port: taken.port })).rejects.toThrow(/did not start: .*EADDRINUSE/);
});
