import { runMain } from '../../shared/main';

/**
 * The benchmark's "subgraphs" process: the embedded MongoDB (on a thread of its own) and the four
 * subgraphs in one process, as `npm start` runs them, without its gateway and worker. Configured from the environment like
 * any entry point (MONGODB_DB, REDIS_URL, secrets); MongoDB lives in memory (the benchmark only
 * reads). Prints `subgraphs ready {"mongoUri","urls","metricsUrls"}` once every subgraph listens;
 * SIGTERM closes it cleanly, so `--cpu-prof` writes its profile.
 */
runMain('bench-subgraphs', async (config) => {
  const { startMongoThread } = await import('@hiregraph/embedded-mongo');
  const { CleanupStack } = await import('../../shared/cleanup-stack.js');
  const { startSubgraphs } = await import('../../scripts/stack.js');
  const steps = new CleanupStack();
  const mongo = await startMongoThread();
  steps.defer(() => mongo.close());
  try {
    const subgraphs = await startSubgraphs({ config, mongoUri: mongo.uri, randomPorts: true }, steps);
    const all = Object.values(subgraphs);
    const urls = Object.fromEntries(all.map((s) => [s.name, s.url]));
    const metricsUrls = all.map((s) => s.metricsUrl);
    process.stdout.write(`subgraphs ready ${JSON.stringify({ mongoUri: mongo.uri, urls, metricsUrls })}\n`);
    return { close: () => steps.close() };
  } catch (err) {
    await steps.close().catch(() => undefined);
    throw err;
  }
});
