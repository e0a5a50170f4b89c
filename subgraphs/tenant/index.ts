import { startSubgraph } from '../../shared/graphql/subgraph-server';
import { requireMongoUri, runMain } from '../../shared/main';
import { tenantSubgraph } from './server';

runMain('tenant', (config) => startSubgraph(tenantSubgraph(), { config, mongoUri: requireMongoUri(config, 'tenant'), port: config.TENANT_PORT }));
