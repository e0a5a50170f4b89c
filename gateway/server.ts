import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { metricsPort, type Config } from '../shared/config';
import { commonServerOptions } from '../shared/graphql/apollo';
import { CleanupStack } from '../shared/cleanup-stack';
import { addOpsRoutes, compressResponses, graphqlApp, listen, serveMetrics } from '../shared/graphql/http';
import { graphqlRoute, serveRequests } from '../shared/graphql/graphql-route';
import { httpMetrics, operationObservability } from '../shared/graphql/observability';
import { createLogger, type Logger } from '../shared/logger';
import { createMetrics, type Metrics } from '../shared/metrics';
import type { GatewayContext } from './context';
import { admission } from './admission';
import { callerContext, gatewayVerifier } from './admission/caller';
import { deferredParts } from './cost/deferred-parts';
import { demandControl } from './cost/demand-control';
import { responseSizeCap } from './cost/response-size';
import { federation } from './execution/federation';
import { subgraphsAnswer } from './execution/readiness';
import type { SubgraphName } from './execution/subgraph-list';
import { resultSerializer } from './sharing/result-json';
import { serveSubscriptions, subscriptionExecutor } from './subscriptions';
import { subscriptionsOverWebSocket } from './subscriptions/subscription-server';
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
  /** Tenants' sockets to subgraphs for subscriptions: one per subgraph and tenant with subscriptions open. */
  upstreamSockets(): number;
  /** Upstream subscriptions shared by several subscribers of one tenant (tenant-wide, or of one run). */
  sharedStreams(): number;
  /** Subscriptions open on subgraphs for this gateway's subscribers, each shared one counted once. */
  upstreamSubscriptions(): number;
  close(): Promise<void>;
}

/**
 * Builds and starts the gateway: /graphql (queries and mutations), /healthz, /readyz; /metrics on its
 * metrics port. Only wiring: each layer (admission, cost, execution, sharing, subscriptions, IDE)
 * is built in its own folder.
 */
export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  const { config } = opts;
  const log = opts.logger ?? createLogger('gateway', config.LOG_LEVEL);
  const metrics = createMetrics('gateway');
  const { registry } = metrics;
  const verifier = gatewayVerifier(config);
  const supergraphSdl = opts.supergraphSdl ?? readFileSync(config.SUPERGRAPH_PATH, 'utf8');
  // Closed last-in-first-out: what requests use (the subgraphs' pool, Redis) after what serves them.
  const cleanup = new CleanupStack();
  const federated = federation({ config, supergraphSdl, subgraphUrls: opts.subgraphUrls, registry, log, cleanup });
  const { limits, tenantLimits, rates } = admission({
    config,
    tenantUrl: federated.subgraphUrl('tenant'),
    timeout: federated.timeout,
    registry,
    log,
    cleanup,
  });
  const executor = subscriptionExecutor(config, federated, log);
  const serializer = resultSerializer();
  const cost = demandControl({
    supergraphSdl,
    schema: executor.schema,
    defaultMaxCost: config.LIMIT_MAX_COST,
    tenantLimits,
    registry,
    serializer,
  });
  // Requests are dispatched once Apollo Server has started (below): /graphql to its own route, the rest to Express.
  const http: Server = createServer();
  const ws = serveSubscriptions({
    config,
    http,
    executor,
    federation: federated,
    verifier,
    limits,
    rates,
    admit: cost.admit,
    registry,
    log,
  });
  const common = commonServerOptions(config, http, log);
  const apollo = new ApolloServer<GatewayContext>({
    gateway: federated.gateway,
    ...common,
    plugins: [
      ...common.plugins,
      ...limits.plugins,
      subscriptionsOverWebSocket,
      rates.plugin,
      // Before observability: its response hook records the actual cost the log line carries.
      cost.plugin,
      responseSizeCap(config.MAX_RESPONSE_BYTES, serializer),
      // After the cap and demand control: it bounds and counts a deferred answer's later parts.
      deferredParts({
        maxBytes: config.MAX_RESPONSE_BYTES,
        serializer,
        production: config.production,
        observeActual: cost.observeActual,
      }),
      operationObservability(metrics, log),
    ],
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    allowBatchedHttpRequests: false,
    stringifyResult: serializer,
  });
  await apollo.start();

  const app = graphqlApp();
  app.use(httpMetrics(metrics));
  app.use(compressResponses(config.COMPRESSION_THRESHOLD_BYTES));
  addOpsRoutes(app, 'gateway', () =>
    subgraphsAnswer(Object.values(opts.subgraphUrls), Math.min(2000, federated.timeout.ms)),
  );
  if (config.GRAPHQL_IDE) serveIde(app);
  const graphql = graphqlRoute(apollo, {
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    compressionThresholdBytes: config.COMPRESSION_THRESHOLD_BYTES,
    metrics,
    log,
    corsOrigins: config.CORS_ORIGINS,
    sharedAnswers: config.DEDUPLICATE_REQUESTS,
    incrementalDelivery: true,
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
    upstreamSockets: () => ws.upstreamSockets(),
    sharedStreams: () => executor.sharedStreams,
    upstreamSubscriptions: () => executor.upstreamSubscriptions,
    close,
  };
}
