import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { EmbeddedMongo } from '../../shared/mongo/embedded';

/** A MongoDB for one test file: the one at MONGODB_URI, or a fresh embedded server on port 0. */
export interface TestMongo {
  uri: string;
  client: MongoClient;
  /** True when the tests run against the project's embedded server. */
  embedded: boolean;
  close(): Promise<void>;
}

export async function startTestMongo(): Promise<TestMongo> {
  const external = process.env.MONGODB_URI;
  const server = external ? null : await EmbeddedMongo.start();
  const uri = external ?? server!.uri;
  const client = new MongoClient(uri);
  let closed = false;
  return {
    uri,
    client,
    embedded: server !== null,
    async close() {
      if (closed) return;
      closed = true;
      const results = await Promise.allSettled([client.close(), server?.close()]);
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length) throw new AggregateError(failed.map((f) => f.reason as unknown), 'test MongoDB did not close cleanly');
    },
  };
}

/** A database name no other test file uses. */
export function uniqueDbName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Test documents use any _id type (numbers, strings), as MongoDB allows; the driver's default typing wants ObjectId. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDoc = any;

/**
 * One MongoDB and one database for a test file, started before its tests and dropped and closed
 * after them. Call at the top of the file; read the handles inside tests.
 */
export function useTestDatabase(prefix: string): { mongo(): TestMongo; db(): Db } {
  let mongo: TestMongo | undefined;
  let db: Db | undefined;
  beforeAll(async () => {
    mongo = await startTestMongo();
    db = mongo.client.db(uniqueDbName(prefix));
  });
  afterAll(async () => {
    await db?.dropDatabase().catch(() => undefined);
    await mongo?.close();
  });
  return { mongo: () => mongo!, db: () => db! };
}
