import { ApolloGateway } from '@apollo/gateway';
import type { GatewayExecutionResult, GatewayInterface } from '@apollo/server-gateway-interface';
import { Counter, type Registry } from 'prom-client';
import type { CleanupStack } from '../../shared/cleanup-stack';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { deduplicatingGateway } from '../sharing/inbound-dedup';
import { Inflight } from '../sharing/inflight';
import type { SubgraphName } from './subgraph-list';
import { OverrideLabels } from './plan/overrides';
import { federatedGraph, PlanExecutor, planExecutingGateway } from './plan/plan-executor';
import { subgraphFetching, type SubgraphSource } from './subgraph-source';
import type { SubgraphTimeout } from './subgraph-timeout';

export interface FederationOptions {
  config: Pick<
    Config,
    'SUBGRAPH_TIMEOUT_MS' | 'SUBGRAPH_COMPRESSION' | 'DEDUPLICATE_REQUESTS' | 'GATEWAY_EXECUTOR' | 'OVERRIDE_LABELS'
  >;
  supergraphSdl: string;
  /** Subgraph URLs; a name left out keeps the URL written in the supergraph. */
  subgraphUrls: Partial<Record<SubgraphName, string>>;
  registry: Registry;
  log: Logger;
  /** Where the subgraph pool's teardown is deferred. */
  cleanup: CleanupStack;
}

/** How the gateway reaches its subgraphs, for queries, subscriptions and probes alike. */
export interface Federation {
  /** The plan executor (GATEWAY_EXECUTOR) over Hiregraph's subgraph sources, behind inbound sharing when DEDUPLICATE_REQUESTS. */
  gateway: GatewayInterface;
  /** The supergraph, planned and shaped once; subscriptions run their events' plans through it too. */
  executor: PlanExecutor;
  /** Draws each request's progressive-override labels (OVERRIDE_LABELS, `percent(N)`). */
  overrides: OverrideLabels;
  /** One source per subgraph, for the subscription executor's entity fetches. */
  services: Record<string, SubgraphSource>;
  /** SUBGRAPH_TIMEOUT_MS, for every other call to a subgraph (limits reads, readiness). */
  timeout: SubgraphTimeout;
  subgraphUrl(name: string): string;
}

/**
 * The execution layer: Apollo's query planner, Hiregraph's plan executor (or Apollo's, with
 * GATEWAY_EXECUTOR=apollo) over one keep-alive pool with a timeout
 * on every fetch, each distinct representation sent once, and (DEDUPLICATE_REQUESTS) identical
 * operations and fetches shared, counted by stage.
 */
export function federation(opts: FederationOptions): Federation {
  const { config } = opts;
  const deduplicated = new Counter({
    name: 'hiregraph_requests_deduplicated_total',
    help: 'Requests that shared an identical in-flight one instead of running their own, by stage (inbound operation, subgraph fetch)',
    labelNames: ['stage'] as const,
    registers: [opts.registry],
  });
  const { agent, timeout, sourceFor } = subgraphFetching(config, opts.registry, () =>
    deduplicated.inc({ stage: 'subgraph' }),
  );
  // Deferred first, so it runs last: Apollo Server has drained the HTTP requests by then, so a fetch
  // a subgraph still has not answered has no caller left, and undici's close() would wait for it.
  opts.cleanup.defer(() => agent.destroy());
  const executor = new PlanExecutor(federatedGraph(opts.supergraphSdl));
  const overrides = new OverrideLabels(executor.graph.overrideLabels, config.OVERRIDE_LABELS);
  const unknown = overrides.unknown(config.OVERRIDE_LABELS);
  if (unknown.length)
    opts.log.warn(
      { labels: unknown },
      `OVERRIDE_LABELS names labels no @override of the supergraph uses: ${unknown.join(', ')}`,
    );
  // Every subgraph the supergraph names, at the URL given for it or the one written in it: one rule
  // for fetches, subscription sockets, readiness and tenant limits.
  const urls = new Map(
    executor.graph.subgraphs.map(({ name, url }) => [name, opts.subgraphUrls[name as SubgraphName] ?? url]),
  );
  const subgraphUrl = (name: string) => urls.get(name) ?? '';
  const services: Record<string, SubgraphSource> = {};
  for (const [name, url] of urls) services[name] = sourceFor(name, url);
  const inner: GatewayInterface =
    config.GATEWAY_EXECUTOR === 'apollo'
      ? new ApolloGateway({
          supergraphSdl: opts.supergraphSdl,
          buildService: ({ name }) => services[name]!,
          logger: opts.log,
        })
      : planExecutingGateway(executor, () => services, overrides);
  const gateway = config.DEDUPLICATE_REQUESTS
    ? deduplicatingGateway(inner, new Inflight<GatewayExecutionResult>(() => deduplicated.inc({ stage: 'inbound' })))
    : inner;
  return { gateway, executor, overrides, services, timeout, subgraphUrl };
}
