import { runMain } from '../shared/main';

// The gateway is imported only once runMain has started tracing (see runMain).
runMain('gateway', async (config) => {
  const { startGateway } = await import('./server.js');
  return startGateway({
    config,
    port: config.GATEWAY_PORT,
    subgraphUrls: {
      tenant: config.TENANT_URL,
      candidate: config.CANDIDATE_URL,
      job: config.JOB_URL,
      assessment: config.ASSESSMENT_URL,
    },
  });
});
