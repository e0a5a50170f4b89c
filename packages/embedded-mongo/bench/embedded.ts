import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, ObjectId } from 'mongodb';
import { EmbeddedMongo } from '../src';
import { fmt, percentile, table, timeEach } from './stats';

/**
 * The embedded server through the official driver: single-document insert and find-by-_id round
 * trips, and an equality find on 100k documents with and without an index.
 */
const ROUND_TRIPS = 10_000;
const LARGE = 100_000;
const QUERIES = 200;

async function roundTrips(
  label: string,
  opts: { dataDir?: string; fsync?: boolean },
): Promise<Array<string | number>[]> {
  const server = await EmbeddedMongo.start(opts);
  const client = new MongoClient(server.uri);
  try {
    const coll = client.db('bench').collection('rt');
    const ids = Array.from({ length: ROUND_TRIPS }, () => new ObjectId());
    const ins = await timeEach(ROUND_TRIPS, (i) =>
      coll.insertOne({ _id: ids[i], i, name: `candidate ${i}`, skills: ['ts', 'go'] }),
    );
    const find = await timeEach(ROUND_TRIPS, (i) => coll.findOne({ _id: ids[(i * 7919) % ROUND_TRIPS] }));
    return [
      [
        `${ROUND_TRIPS} × insertOne (${label})`,
        fmt(ins.totalMs),
        Math.round(ROUND_TRIPS / (ins.totalMs / 1000)),
        fmt(percentile(ins.samples, 50)),
        fmt(percentile(ins.samples, 99)),
      ],
      [
        `${ROUND_TRIPS} × findOne by _id (${label})`,
        fmt(find.totalMs),
        Math.round(ROUND_TRIPS / (find.totalMs / 1000)),
        fmt(percentile(find.samples, 50)),
        fmt(percentile(find.samples, 99)),
      ],
    ];
  } finally {
    await client.close();
    await server.close();
  }
}

async function indexedVsScan(): Promise<Array<string | number>[]> {
  const server = await EmbeddedMongo.start();
  const client = new MongoClient(server.uri);
  try {
    const db = client.db('bench');
    const tenants = Array.from({ length: 100 }, () => new ObjectId());
    const make = (i: number) => ({ tenantId: tenants[i % tenants.length], email: `c${i}@example.com`, n: i });
    for (const name of ['indexed', 'unindexed']) {
      const coll = db.collection(name);
      for (let off = 0; off < LARGE; off += 5000)
        await coll.insertMany(Array.from({ length: 5000 }, (_, k) => make(off + k)));
    }
    await db.collection('indexed').createIndex({ tenantId: 1, email: 1 }, { unique: true });
    const rows: Array<string | number>[] = [];
    for (const name of ['indexed', 'unindexed']) {
      const coll = db.collection(name);
      const one = await timeEach(QUERIES, (i) =>
        coll.findOne({ tenantId: tenants[i % 100], email: `c${(i * 37) % LARGE}@example.com` }),
      );
      const tenant = await timeEach(QUERIES, (i) =>
        coll
          .find({ tenantId: tenants[i % 100] })
          .limit(20)
          .toArray(),
      );
      rows.push([
        `find one by { tenantId, email } in ${LARGE / 1000}k docs, ${name}`,
        fmt(percentile(one.samples, 50)),
        fmt(percentile(one.samples, 99)),
      ]);
      rows.push([
        `first 20 of one tenant in ${LARGE / 1000}k docs, ${name}`,
        fmt(percentile(tenant.samples, 50)),
        fmt(percentile(tenant.samples, 99)),
      ]);
    }
    return rows;
  } finally {
    await client.close();
    await server.close();
  }
}

export async function benchEmbeddedMongo(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hiregraph-bench-'));
  try {
    const rt = [
      ...(await roundTrips('memory', {})),
      ...(await roundTrips('journal, fsync', { dataDir: join(dir, 'a'), fsync: true })),
      ...(await roundTrips('journal, no fsync', { dataDir: join(dir, 'b'), fsync: false })),
    ];
    const idx = await indexedVsScan();
    return [
      '### Embedded MongoDB: round trips through the driver',
      table(['operation', 'total ms', 'ops/s', 'p50 ms', 'p99 ms'], rt),
      '',
      '### Embedded MongoDB: equality find, index vs scan',
      table(['query', 'p50 ms', 'p99 ms'], idx),
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
