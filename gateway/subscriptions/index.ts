import type { Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { TokenVerifier } from '../../shared/auth';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import type { operationLimits } from '../admission/limits';
import type { tenantRates } from '../admission/rates';
import type { Admission } from '../cost/demand-control';
import type { Federation } from '../execution/federation';
import { socketQueries } from './socket-queries';
import { SubscriptionExecutor } from './subscription-executor';
import { subscriptionMetrics } from './subscription-metrics';
import { serveGatewaySubscriptions } from './subscription-server';

const wsUrl = (federation: Federation, name: string) => federation.subgraphUrl(name).replace(/^http/, 'ws');

/** Runs each subscription over graphql-ws on the subgraph that owns it, the other subgraphs' fields by `_entities`. */
export function subscriptionExecutor(
  config: Pick<Config, 'SUBSCRIPTION_MAX_QUEUED_EVENTS'>,
  federation: Federation,
  log: Logger,
): SubscriptionExecutor {
  return new SubscriptionExecutor({
    executor: federation.executor,
    services: federation.services,
    log,
    maxQueued: config.SUBSCRIPTION_MAX_QUEUED_EVENTS,
  });
}

export interface SubscriptionLayerOptions {
  config: Config;
  http: Server;
  executor: SubscriptionExecutor;
  federation: Federation;
  verifier: TokenVerifier;
  /** The admission layer's operation limits and rates, applied to every subscribe as to every request. */
  limits: ReturnType<typeof operationLimits>;
  rates: ReturnType<typeof tenantRates>;
  /** Demand control's admission of an operation. */
  admit: (a: Admission) => Promise<unknown>;
  registry: Registry;
  log: Logger;
}

/**
 * The subscriptions layer: graphql-ws on the gateway's /graphql, under the same admission and
 * demand control as HTTP, with the SUBSCRIPTIONS_* limits, and counted on /metrics.
 */
export function serveSubscriptions(opts: SubscriptionLayerOptions): ReturnType<typeof serveGatewaySubscriptions> {
  const { config } = opts;
  // Read at each scrape, once the server below is up.
  const onDrop = subscriptionMetrics(opts.registry, {
    open: () => served.openSubscriptions(),
    upstreamSockets: () => served.upstreamSockets(),
    upstreamSubscriptions: () => opts.executor.upstreamSubscriptions,
    sharedStreams: () => opts.executor.sharedStreams,
  });
  const served = serveGatewaySubscriptions({
    http: opts.http,
    executor: opts.executor,
    verifier: opts.verifier,
    log: opts.log,
    validate: opts.limits.validateWithLimits,
    parse: opts.limits.parseWithLimits,
    maxPayload: config.BODY_LIMIT_BYTES,
    beforeSubscribe: opts.rates.beforeSubscribe,
    admit: opts.admit,
    onDrop,
    subgraphWsUrl: (name) => wsUrl(opts.federation, name),
    query: socketQueries({
      executor: opts.federation.executor,
      overrides: opts.federation.overrides,
      services: opts.federation.services,
      log: opts.log,
      maxBytes: config.MAX_RESPONSE_BYTES,
    }),
    limits: {
      perConnection: config.SUBSCRIPTIONS_PER_CONNECTION,
      perTenant: config.SUBSCRIPTIONS_PER_TENANT,
      maxBufferedBytes: config.SUBSCRIPTION_MAX_BUFFER_BYTES,
    },
  });
  return served;
}
