import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../shared/config';

/** Where `npm start` leaves the embedded server's URI, so `npm run token` can find it. */
export function uriFile(config: Config): string {
  return resolve(config.DATA_DIR, 'mongo.uri');
}

/** The MongoDB a running `npm start` uses, for tools run beside it (kept apart from the embedded server, which production lacks). */
export function runningMongoUri(config: Config): string | null {
  if (config.MONGODB_URI) return config.MONGODB_URI;
  const file = uriFile(config);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
}
