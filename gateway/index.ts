import { runMain } from '../shared/main';
import { startGateway } from './server';

runMain('gateway', (config) => startGateway({
  config,
  port: config.GATEWAY_PORT,
  subgraphUrls: { tenant: config.TENANT_URL, candidate: config.CANDIDATE_URL, job: config.JOB_URL, assessment: config.ASSESSMENT_URL },
}));
