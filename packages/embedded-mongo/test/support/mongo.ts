import type { Db } from 'mongodb';
import { startTestMongo, uniqueDbName, type TestMongo } from '../../src/testing';

export { startTestMongo, uniqueDbName, type TestMongo };

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
