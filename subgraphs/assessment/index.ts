import { startSubgraph } from '../../shared/graphql/subgraph-server';
import { requireMongoUri, runMain } from '../../shared/main';
import { assessmentSubgraph } from './server';

runMain('assessment', (config) => startSubgraph(assessmentSubgraph({ config, candidateUrl: config.CANDIDATE_URL, jobUrl: config.JOB_URL, tenantUrl: config.TENANT_URL }), { config, mongoUri: requireMongoUri(config, 'assessment'), port: config.ASSESSMENT_PORT }));
