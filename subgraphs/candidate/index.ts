import { startSubgraph } from '../../shared/graphql/subgraph-server';
import { requireMongoUri, runMain } from '../../shared/main';
import { candidateSubgraph } from './server';

runMain('candidate', (config) => startSubgraph(candidateSubgraph({ tenantUrl: config.TENANT_URL }), { config, mongoUri: requireMongoUri(config, 'candidate'), port: config.CANDIDATE_PORT }));
