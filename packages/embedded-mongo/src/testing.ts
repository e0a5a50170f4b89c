import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { EmbeddedMongo } from './server';

/** A MongoDB for one test file: the one at MONGODB_URI, or a fresh embedded server on port 0. */
export interface TestMongo {
  uri: string;
  client: MongoClient;
  /** True when the tests run against the embedded server. */
  embedded: boolean;
  /** Closes the client and the embedded server; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts what a test suite talks to: a real MongoDB when `uri` (default: MONGODB_URI) is set,
 * so the same tests prove compatibility against the real thing, else an in-memory embedded server.
 */
export async function startTestMongo(uri: string | undefined = process.env.MONGODB_URI): Promise<TestMongo> {
  const server = uri ? null : await EmbeddedMongo.start();
  const url = uri ?? server!.uri;
  const client = new MongoClient(url);
  let closing: Promise<void> | undefined;
  return {
    uri: url,
    client,
    embedded: server !== null,
    close: () =>
      (closing ??= (async () => {
        const results = await Promise.allSettled([client.close(), server?.close()]);
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed.length)
          throw new AggregateError(
            failed.map((f) => f.reason as unknown),
            'test MongoDB did not close cleanly',
          );
      })()),
  };
}

/** A database name no other test file uses. */
export function uniqueDbName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}
