import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../shared/config';
import { EmbeddedMongo } from '../shared/mongo/embedded';

/** Where `npm start` leaves the embedded server's URI, so `npm run token` can find it. */
export function uriFile(config: Config): string {
  return resolve(config.DATA_DIR, 'mongo.uri');
}

/** MONGODB_URI, or a fresh embedded server persisted under DATA_DIR/mongo. */
export async function localMongo(config: Config): Promise<{ uri: string; close(): Promise<void> }> {
  if (config.MONGODB_URI) return { uri: config.MONGODB_URI, close: async () => undefined };
  const server = await EmbeddedMongo.start({ dataDir: join(config.DATA_DIR, 'mongo') });
  writeFileSync(uriFile(config), `${server.uri}\n`);
  return { uri: server.uri, close: () => server.close() };
}

/** The MongoDB a running `npm start` uses, for tools run beside it. */
export function runningMongoUri(config: Config): string | null {
  if (config.MONGODB_URI) return config.MONGODB_URI;
  const file = uriFile(config);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
}
