import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMongoThread } from '@hiregraph/embedded-mongo';
import type { Config } from '../shared/config';
import { uriFile } from './running-mongo';

/** MONGODB_URI, or a fresh embedded server persisted under DATA_DIR/mongo, on a thread of its own. */
export async function localMongo(config: Config): Promise<{ uri: string; close(): Promise<void> }> {
  if (config.MONGODB_URI) return { uri: config.MONGODB_URI, close: async () => undefined };
  const server = await startMongoThread({ dataDir: join(config.DATA_DIR, 'mongo') });
  writeFileSync(uriFile(config), `${server.uri}\n`);
  return { uri: server.uri, close: () => server.close() };
}
