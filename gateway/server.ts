import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { ApolloGateway } from '@apollo/gateway';
import type { GatewayExecutionResult } from '@apollo/server-gateway-interface';
import { Counter } from 'prom-client';
import { metricsPort, type Config } from '../shared/config';
import { commonServerOptions } from '../shared/graphql/apollo';
import { CleanupStack } from '../shared/cleanup-stack';
import { addOpsRoutes, compressResponses, graphqlApp, listen, serveMetrics } from '../shared/graphql/http';
import { graphqlRoute, serveRequests } from '../shared/graphql/graphql-route';
import { httpMetrics, operationObservability } from '../shared/graphql/observability';
import { createLogger, type Logger } from '../shared/logger';
import { createMetrics, type Metrics } from '../shared/metrics';
import { closeRedis, redisConnection, redisTarget } from '../shared/redis';
import { TenantRateLimiter } from '../shared/rate-limits';
import type { GatewayContext } from './context';
import { callerContext, gatewayVerifier } from './admission/caller';
import { operationLimits } from './admission/limits';
import { tenantRates } from './admission/rates';
import { asTenantLimits, TenantLimitsCache } from './admission/tenant-limits';
import { demandControl } from './cost/demand-control';
import { responseSizeCap } from './cost/response-size';
import { subgraphsAnswer } from './execution/readiness';
import { SUBGRAPHS, subgraphUrlOf, type SubgraphName } from './execution/subgraph-list';
import { subgraphFetching } from './execution/subgraph-source';
import { deduplicatingGateway } from './sharing/inbound-dedup';
import { Inflight } from './sharing/inflight';
import { resultSerializer } from './sharing/result-json';
import { SubscriptionExecutor } from './subscriptions/subscription-executor';
import { subscriptionMetrics } from './subscriptions/subscription-metrics';
import {
  serveGatewaySubscriptions,
  subscriptionsOverWebSocket,
  upstreamClient,
} from './subscriptions/subscription-server';
import { serveIde, wantsPage } from './ide/ide';

export interface GatewayOptions {
  config: Config;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Port of /metrics; 0 picks a free one. Default: METRICS_PORT. */
  metricsPort?: number;
  /** Subgraph URLs; a name left out keeps the URL written in the supergraph. */
  subgraphUrls: Partial<Record<SubgraphName, string>>;
  /** The supergraph SDL; read from config.SUPERGRAPH_PATH when absent. */
  supergraphSdl?: string;
  logger?: Logger;
}

export interface RunningGateway {
  url: string;
  port: number;
  metrics: Metrics;
  /** The gateway's Prometheus endpoint, on its own (non-public) port. */
  metricsUrl: string;
  /** Subscriptions open on this gateway. */
  openSubscriptions(): number;
  close(): Promise<void>;
}

/** Builds and starts the gateway: /graphql (queries and mutations), /healthz, /readyz; /metrics on its metrics port. */
export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  const { config } = opts;
  const log = opts.logger ?? createLogger('gateway', config.LOG_LEVEL);
  const metrics = createMetrics('gateway');
  const verifier = gatewayVerifier(config);
  const supergraphSdl = opts.supergraphSdl ?? readFileSync(config.SUPERGRAPH_PATH, 'utf8');
  const deduplicated = new Counter({
    name: 'hiregraph_requests_deduplicated_total',
    help: 'Requests that shared an identical in-flight one instead of running their own, by stage (inbound operation, subgraph fetch)',
    labelNames: ['stage'] as const,
    registers: [metrics.registry],
  });
  // Closed last-in-first-out: what requests use (the subgraphs' agent, Redis) after what serves them.
  const cleanup = new CleanupStack();
  const { agent, timeout, sourceFor } = subgraphFetching(config, metrics.registry, () =>
    deduplicated.inc({ stage: 'subgraph' }),
  );
  // Last: Apollo Server has drained the HTTP requests by then, so a fetch a subgraph still has not
  // answered has no caller left, and undici's close() would wait for it however long.
  cleanup.defer(() => agent.destroy());
  const apolloGateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => sourceFor(name, opts.subgraphUrls[name as SubgraphName] ?? url ?? ''),
    logger: log,
  });
  const gateway = config.DEDUPLICATE_REQUESTS
    ? deduplicatingGateway(
        apolloGateway,
        new Inflight<GatewayExecutionResult>(() => deduplicated.inc({ stage: 'inbound' })),
      )
    : apolloGateway;
  const app = graphqlApp();
  // Requests are dispatched once Apollo Server has started (below): /graphql to its own route, the rest to Express.
  const http: Server = createServer();
  const services = Object.fromEntries(
    SUBGRAPHS.map((s) => [s.name, sourceFor(s.name, subgraphUrlOf(opts.subgraphUrls, s.name))]),
  );
  const limits = operationLimits(config);
  const redis = redisConnection(redisTarget(config), 'producer');
  cleanup.defer(() => closeRedis(redis));
  const tenantLimits = new TenantLimitsCache({
    tenantUrl: subgraphUrlOf(opts.subgraphUrls, 'tenant'),
    ttlMs: config.TENANT_LIMITS_CACHE_MS,
    log,
    fallback: asTenantLimits(config.PLAN_LIMITS_FREE),
    registry: metrics.registry,
    timeout,
  });
  const rates = tenantRates(
    new TenantRateLimiter(redis, config.QUEUE_PREFIX),
    tenantLimits,
    config.RATE_LIMIT_USER_SHARE,
  );
  const subgraphUrl = (name: string) => subgraphUrlOf(opts.subgraphUrls, name);
  const subgraphWsUrl = (name: string) => subgraphUrl(name).replace(/^http/, 'ws');
  const executor = new SubscriptionExecutor({
    supergraphSdl,
    services,
    log,
    connect: (name, authorization, requestId) => upstreamClient(subgraphWsUrl(name), authorization, requestId),
    maxQueued: config.SUBSCRIPTION_MAX_QUEUED_EVENTS,
  });
  const cost = demandControl({
    supergraphSdl,
    schema: executor.schema,
    defaultMaxCost: config.LIMIT_MAX_COST,
    tenantLimits,
    registry: metrics.registry,
  });
  // Read at each scrape, once the server below is up.
  const onDrop = subscriptionMetrics(metrics.registry, () => ws.openSubscriptions());
  const ws = serveGatewaySubscriptions({
    http,
    executor,
    verifier,
    log,
    validate: limits.validateWithLimits,
    parse: limits.parseWithLimits,
    maxPayload: config.BODY_LIMIT_BYTES,
    beforeSubscribe: rates.beforeSubscribe,
    admit: cost.admit,
    onDrop,
    subgraphWsUrl,
    limits: {
      perConnection: config.SUBSCRIPTIONS_PER_CONNECTION,
      perTenant: config.SUBSCRIPTIONS_PER_TENANT,
      maxBufferedBytes: config.SUBSCRIPTION_MAX_BUFFER_BYTES,
    },
  });
  const common = commonServerOptions(config, http, log);
  const serializer = resultSerializer();
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    ...common,
    plugins: [
      ...common.plugins,
      ...limits.plugins,
      subscriptionsOverWebSocket,
      rates.plugin,
      // Before observability: its response hook records the actual cost the log line carries.
      cost.plugin,
      responseSizeCap(config.MAX_RESPONSE_BYTES, serializer),
      operationObservability(metrics, log),
    ],
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    allowBatchedHttpRequests: false,
    stringifyResult: serializer,
  });
  await apollo.start();

  app.use(httpMetrics(metrics));
  app.use(compressResponses(config.COMPRESSION_THRESHOLD_BYTES));
  addOpsRoutes(app, 'gateway', () => subgraphsAnswer(Object.values(opts.subgraphUrls), Math.min(2000, timeout.ms)));
  if (config.GRAPHQL_IDE) serveIde(app);
  const graphql = graphqlRoute(apollo, {
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    compressionThresholdBytes: config.COMPRESSION_THRESHOLD_BYTES,
    metrics,
    log,
    corsOrigins: config.CORS_ORIGINS,
    sharedAnswers: config.DEDUPLICATE_REQUESTS,
    context: callerContext(config, verifier, log),
  });
  serveRequests(http, graphql, app, (req) => config.GRAPHQL_IDE && wantsPage(req));

  cleanup.defer(() => new Promise<void>((r) => http.close(() => r())));
  cleanup.defer(() => apollo.stop());
  // Before Apollo's drain, which would otherwise wait out graphql-ws's upgraded sockets: they close with 1001.
  cleanup.defer(() => ws.close());
  const close = () => cleanup.close();
  let port: number;
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>>;
  try {
    port = await listen(http, opts.port, config.BIND_HOST);
    metricsServer = await serveMetrics(metrics, opts.metricsPort ?? metricsPort(config, 'gateway'), config.BIND_HOST);
    cleanup.defer(() => metricsServer.close());
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  log.info({ port, metricsPort: metricsServer.port }, 'gateway listening');
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    port,
    metrics,
    metricsUrl: metricsServer.url,
    openSubscriptions: () => ws.openSubscriptions(),
    close,
  };
}
