import { Worker } from 'node:worker_threads';
import type { EmbeddedMongoOptions } from './server';

/** What the thread's entry point (thread-main.ts) says to its host. */
export type ThreadMessage = { started: { uri: string; port: number } } | { failed: string } | 'closed';

/** The options a thread can take: all but the logger, which cannot cross a thread (it logs pino's default there). */
export type ThreadedMongoOptions = Omit<EmbeddedMongoOptions, 'logger'>;

export interface ThreadedMongo {
  uri: string;
  port: number;
  /** Stops the server (closing its journal) and ends its thread; safe to call twice. */
  close(): Promise<void>;
}

/**
 * The embedded server on a thread of its own: what `npm start` runs, so MongoDB's work (decoding
 * commands, matching, encoding replies) does not hold up the event loop that serves GraphQL, as a
 * separate mongod would not, and takes a core of its own. The thread loads the TypeScript sources
 * through tsx, as every process that uses this development-only package does.
 */
export function startMongoThread(opts: ThreadedMongoOptions = {}): Promise<ThreadedMongo> {
  const entry = __filename.replace(/thread\.(ts|js)$/, 'thread-main.$1');
  // A thread does not inherit a test runner's or tsx's module hooks: it registers tsx's itself.
  const boot = `require('tsx/cjs/api').register(); require(${JSON.stringify(entry)});`;
  const worker = new Worker(boot, { eval: true, workerData: opts });
  let closing: Promise<void> | undefined;
  let exited = false;
  worker.once('exit', () => (exited = true));
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve, reject) => {
      if (exited) return resolve();
      worker.once('error', reject);
      worker.once('exit', () => resolve());
      worker.on('message', (m: ThreadMessage) => {
        if (m === 'closed') void worker.terminate();
      });
      worker.postMessage('close');
    }));
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      void worker.terminate();
      reject(err);
    };
    const early = (code: number) =>
      fail(new Error(`the embedded MongoDB thread exited with code ${code} before it listened`));
    worker.once('error', fail);
    worker.once('exit', early);
    worker.once('message', (m: ThreadMessage) => {
      worker.off('error', fail).off('exit', early);
      if (typeof m === 'object' && 'started' in m) resolve({ ...m.started, close });
      else fail(new Error(`the embedded MongoDB thread did not start: ${typeof m === 'object' ? m.failed : m}`));
    });
  });
}
