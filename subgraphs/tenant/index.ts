import { requireMongoUri, runMain } from '../../shared/main';

// The servers are imported only once runMain has started tracing (see runMain).
runMain('tenant', async (config) => {
  const [{ startSubgraph }, { tenantSubgraph }] = await Promise.all([
    import('../../shared/graphql/subgraph-server.js'),
    import('./server.js'),
  ]);
  return startSubgraph(tenantSubgraph(config), {
    config,
    mongoUri: requireMongoUri(config, 'tenant'),
    port: config.TENANT_PORT,
  });
});
