import { startGateway, type RunningGateway } from '../gateway/server';
import { assessmentSubgraph } from '../subgraphs/assessment/server';
import { candidateSubgraph } from '../subgraphs/candidate/server';
import { jobSubgraph } from '../subgraphs/job/server';
import { tenantSubgraph } from '../subgraphs/tenant/server';
import type { Config } from '../shared/config';
import { closeAll, closeOnce } from '../shared/graphql/close';
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
  const started: Array<{ close(): Promise<void> }> = [];
  const logger = (s: string) => opts.logger?.(s);
  try {
    const tenant = await startSubgraph(tenantSubgraph(config), {
      config,
      mongoUri,
      port: port(config.TENANT_PORT),
      metricsPort,
      logger: logger('tenant'),
    });
    started.push(tenant);
    const candidate = await startSubgraph(candidateSubgraph({ tenantUrl: tenant.url }), {
      config,
      mongoUri,
      port: port(config.CANDIDATE_PORT),
      metricsPort,
      logger: logger('candidate'),
    });
    started.push(candidate);
    const job = await startSubgraph(jobSubgraph({ candidateUrl: candidate.url }), {
      config,
      mongoUri,
      port: port(config.JOB_PORT),
      metricsPort,
      logger: logger('job'),
    });
    started.push(job);
    const assessment = await startSubgraph(
      assessmentSubgraph({ config, candidateUrl: candidate.url, jobUrl: job.url, tenantUrl: tenant.url }),
      { config, mongoUri, port: port(config.ASSESSMENT_PORT), metricsPort, logger: logger('assessment') },
    );
    started.push(assessment);
    const gateway = await startGateway({
      config,
      port: port(config.GATEWAY_PORT),
      metricsPort,
      supergraphSdl: opts.supergraphSdl,
      subgraphUrls: { tenant: tenant.url, candidate: candidate.url, job: job.url, assessment: assessment.url },
      logger: logger('gateway'),
    });
    started.push(gateway);
    return {
      gateway,
      subgraphs: { tenant, candidate, job, assessment },
      close: closeOnce(() => closeAll([...started].reverse().map((s) => () => s.close()))),
    };
  } catch (err) {
    await closeAll([...started].reverse().map((s) => () => s.close())).catch(() => undefined);
    throw err;
  }
}
