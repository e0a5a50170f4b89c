import { requireMongoUri, runMain } from '../../shared/main';

// The servers are imported only once runMain has started tracing (see runMain).
runMain('assessment', async (config) => {
  const [{ startSubgraph }, { assessmentSubgraph }] = await Promise.all([
    import('../../shared/graphql/subgraph-server.js'),
    import('./server.js'),
  ]);
  return startSubgraph(
    assessmentSubgraph({
      config,
      candidateUrl: config.CANDIDATE_URL,
      jobUrl: config.JOB_URL,
      tenantUrl: config.TENANT_URL,
    }),
    { config, mongoUri: requireMongoUri(config, 'assessment'), port: config.ASSESSMENT_PORT },
  );
});
