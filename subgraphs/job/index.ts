import { startSubgraph } from '../../shared/graphql/subgraph-server';
import { requireMongoUri, runMain } from '../../shared/main';
import { jobSubgraph } from './server';

runMain('job', (config) => startSubgraph(jobSubgraph({ candidateUrl: config.CANDIDATE_URL }), { config, mongoUri: requireMongoUri(config, 'job'), port: config.JOB_PORT }));
