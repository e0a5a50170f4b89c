import { startGateway, type RunningGateway } from '../gateway/server';
import { assessmentSubgraph } from '../subgraphs/assessment/server';
import { candidateSubgraph } from '../subgraphs/candidate/server';
import { jobSubgraph } from '../subgraphs/job/server';
import { tenantSubgraph } from '../subgraphs/tenant/server';
import type { Config } from '../shared/config';
import { CleanupStack } from '../shared/cleanup-stack';
import { startSubgraph, type RunningSubgraph } from '../shared/graphql/subgraph-server';
import type { Logger } from '../shared/logger';

export interface Stack {
  gateway: RunningGateway;
  subgraphs: Record<'tenant' | 'candidate' | 'job' | 'assessment', RunningSubgraph>;
  close(): Promise<void>;
}

export interface StackOptions {
  config: Config;
  mongoUri: string;
  /** Use port 0 everywhere (tests) instead of the configured ports. */
  randomPorts?: boolean;
  supergraphSdl?: string;
  logger?: (service: string) => Logger | undefined;
}

/**
 * Every Hiregraph server in this process: the four subgraphs, then the gateway pointed at them.
 * `npm start` and the end-to-end tests both run the graph this way; production runs each
 * entry point as its own process.
 */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const { config, mongoUri } = opts;
  const port = (p: number): number => (opts.randomPorts ? 0 : p);
  // Each server's /metrics: METRICS_PORT plus its offset, or any free port beside random ones.
  const metricsPort = opts.randomPorts ? 0 : undefined;
  // Closed last-in-first-out: the gateway first, then each subgraph before those it calls.
  const started = new CleanupStack();
  const logger = (s: string) => opts.logger?.(s);
  try {
    const tenant = await startSubgraph(tenantSubgraph(config), {
      config,
      mongoUri,
      port: port(config.TENANT_PORT),
      metricsPort,
      logger: logger('tenant'),
    });
    started.defer(() => tenant.close());
    const candidate = await startSubgraph(candidateSubgraph({ tenantUrl: tenant.url }), {
      config,
      mongoUri,
      port: port(config.CANDIDATE_PORT),
      metricsPort,
      logger: logger('candidate'),
    });
    started.defer(() => candidate.close());
    const job = await startSubgraph(jobSubgraph({ candidateUrl: candidate.url }), {
      config,
      mongoUri,
      port: port(config.JOB_PORT),
      metricsPort,
      logger: logger('job'),
    });
    started.defer(() => job.close());
    const assessment = await startSubgraph(
      assessmentSubgraph({ config, candidateUrl: candidate.url, jobUrl: job.url, tenantUrl: tenant.url }),
      { config, mongoUri, port: port(config.ASSESSMENT_PORT), metricsPort, logger: logger('assessment') },
    );
    started.defer(() => assessment.close());
    const gateway = await startGateway({
      config,
      port: port(config.GATEWAY_PORT),
      metricsPort,
      supergraphSdl: opts.supergraphSdl,
      subgraphUrls: { tenant: tenant.url, candidate: candidate.url, job: job.url, assessment: assessment.url },
      logger: logger('gateway'),
    });
    started.defer(() => gateway.close());
    return {
      gateway,
      subgraphs: { tenant, candidate, job, assessment },
      close: () => started.close(),
    };
  } catch (err) {
    await started.close().catch(() => undefined);
    throw err;
  }
}
