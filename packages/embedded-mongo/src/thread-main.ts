import { parentPort, workerData } from 'node:worker_threads';
import { EmbeddedMongo } from './server';
import type { ThreadedMongoOptions, ThreadMessage } from './thread';

/** The embedded server's thread (thread.ts): starts it, says where it listens, closes it when asked. */
const port = parentPort!;
const say = (m: ThreadMessage) => port.postMessage(m);
EmbeddedMongo.start(workerData as ThreadedMongoOptions).then(
  (server) => {
    port.on('message', (m: unknown) => {
      if (m !== 'close') return;
      // A journal that fails to close is an error of the thread: the host's close() rejects with it.
      void server.close().then(() => say('closed'));
    });
    say({ started: { uri: server.uri, port: server.port } });
  },
  (err: unknown) => say({ failed: err instanceof Error ? err.message : String(err) }),
);
