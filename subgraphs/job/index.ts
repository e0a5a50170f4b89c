import { requireMongoUri, runMain } from '../../shared/main';

// The servers are imported only once runMain has started tracing (see runMain).
runMain('job', async (config) => {
  const [{ startSubgraph }, { jobSubgraph }] = await Promise.all([
    import('../../shared/graphql/subgraph-server.js'),
    import('./server.js'),
  ]);
  return startSubgraph(jobSubgraph({ candidateUrl: config.CANDIDATE_URL }), {
    config,
    mongoUri: requireMongoUri(config, 'job'),
    port: config.JOB_PORT,
  });
});
