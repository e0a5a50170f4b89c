import { requireMongoUri, runMain } from '../../shared/main';

// The servers are imported only once runMain has started tracing (see runMain).
runMain('candidate', async (config) => {
  const [{ startSubgraph }, { candidateSubgraph }] = await Promise.all([
    import('../../shared/graphql/subgraph-server.js'),
    import('./server.js'),
  ]);
  return startSubgraph(candidateSubgraph({ tenantUrl: config.TENANT_URL }), {
    config,
    mongoUri: requireMongoUri(config, 'candidate'),
    port: config.CANDIDATE_PORT,
  });
});
