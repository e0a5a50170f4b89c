import { startGateway, type RunningGateway } from '../gateway/server';
import { assessmentSubgraph } from '../subgraphs/assessment/server';
import { candidateSubgraph } from '../subgraphs/candidate/server';
import { jobSubgraph } from '../subgraphs/job/server';
import { tenantSubgraph } from '../subgraphs/tenant/server';
import type { Config } from '../shared/config';
import { CleanupStack } from '../shared/cleanup-stack';
import type { RequestContext } from '../shared/graphql/context';
import { startSubgraph, type RunningSubgraph, type SubgraphDefinition } from '../shared/graphql/subgraph-server';
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

export type Subgraphs = Stack['subgraphs'];

/**
 * The four subgraphs in this process over one MongoDB, each started after those it calls; each
 * one's close is deferred on `started`, so closing it stops them in reverse order.
 */
export async function startSubgraphs(
  opts: Omit<StackOptions, 'supergraphSdl'>,
  started: CleanupStack,
): Promise<Subgraphs> {
  const { config, mongoUri } = opts;
  const port = (p: number): number => (opts.randomPorts ? 0 : p);
  // Each server's /metrics: METRICS_PORT plus its offset, or any free port beside random ones.
  const metricsPort = opts.randomPorts ? 0 : undefined;
  const start = async <Ctx extends RequestContext>(subgraph: SubgraphDefinition<Ctx>, configured: number) => {
    const running = await startSubgraph(subgraph, {
      config,
      mongoUri,
      port: port(configured),
      metricsPort,
      logger: opts.logger?.(subgraph.name),
    });
    started.defer(() => running.close());
    return running;
  };
  const tenant = await start(tenantSubgraph(config), config.TENANT_PORT);
  const candidate = await start(candidateSubgraph({ tenantUrl: tenant.url }), config.CANDIDATE_PORT);
  const job = await start(jobSubgraph({ candidateUrl: candidate.url }), config.JOB_PORT);
  const assessment = await start(
    assessmentSubgraph({ config, candidateUrl: candidate.url, jobUrl: job.url, tenantUrl: tenant.url }),
    config.ASSESSMENT_PORT,
  );
  return { tenant, candidate, job, assessment };
}

/**
 * Every Hiregraph server in this process: the four subgraphs, then the gateway pointed at them.
 * `npm start` and the end-to-end tests both run the graph this way; production runs each
 * entry point as its own process.
 */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const { config } = opts;
  // Closed last-in-first-out: the gateway first, then each subgraph before those it calls.
  const started = new CleanupStack();
  try {
    const subgraphs = await startSubgraphs(opts, started);
    const { tenant, candidate, job, assessment } = subgraphs;
    const gateway = await startGateway({
      config,
      port: opts.randomPorts ? 0 : config.GATEWAY_PORT,
      metricsPort: opts.randomPorts ? 0 : undefined,
      supergraphSdl: opts.supergraphSdl,
      subgraphUrls: { tenant: tenant.url, candidate: candidate.url, job: job.url, assessment: assessment.url },
      logger: opts.logger?.('gateway'),
    });
    started.defer(() => gateway.close());
    return { gateway, subgraphs, close: () => started.close() };
  } catch (err) {
    await started.close().catch(() => undefined);
    throw err;
  }
}
