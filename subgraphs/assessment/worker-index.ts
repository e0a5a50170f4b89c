import { requireMongoUri, runMain } from '../../shared/main';

// The worker is imported only once runMain has started tracing (see runMain).
runMain('worker', async (config) => {
  const { startWorker } = await import('./engine/worker.js');
  return startWorker({ config, mongoUri: requireMongoUri(config, 'worker') });
});
