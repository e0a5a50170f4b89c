import { createServer, type Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { DocumentNode } from 'graphql';
import type { Db } from 'mongodb';
import { TokenVerifier } from '../auth';
import { internalJwtSecret, jwtSecret, metricsPort, type Config, type MetricsOf } from '../config';
import { createLogger, type Logger } from '../logger';
import { createMetrics, type Metrics } from '../metrics';
import { connectMongo } from '../mongo/connect';
import { commonServerOptions } from './apollo';
import { compiledExecution } from './compiled-execution';
import { buildRequestContext, type RequestContext } from './context';
import { CleanupStack } from '../cleanup-stack';
import { graphqlRoute, serveRequests } from './graphql-route';
import { addOpsRoutes, compressResponses, graphqlApp, listen, serveMetrics } from './http';
import { projectionPlugin } from './projection';
import { serviceGate, type ServiceReads } from './service-gate';
import { httpMetrics, operationObservability } from './observability';
import { serveSubgraphSubscriptions } from './ws';

/** Subgraphs hear only from gateways, whose operations are small: 1 MiB is ample. */
const SUBGRAPH_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The resolver map buildSubgraphSchema takes with a schema module, named from its public signature
 * (the package exports no name for it). Each subgraph types its own map with its generated
 * Resolvers, whose context is the subgraph's; this is only where they meet.
 */
type SchemaModule = Exclude<
  Extract<Parameters<typeof buildSubgraphSchema>[0], readonly unknown[]>[number],
  DocumentNode
>;
export type SubgraphResolvers = NonNullable<SchemaModule['resolvers']>;

/** What makes one subgraph: its schema, resolvers, indexes and per-request state. */
export interface SubgraphDefinition<Ctx extends RequestContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: SubgraphResolvers;
  /** Creates the subgraph's indexes (each led by tenantId), idempotently, at startup. */
  ensureIndexes(db: Db): Promise<void>;
  /** Adds the subgraph's repositories and loaders to a request's base context. */
  context(base: RequestContext, db: Db): Ctx;
  /**
   * Entity types, and their fields, a service token (the worker's) may read here through
   * `_entities`; every other operation with one is FORBIDDEN. None: service tokens are not accepted.
   */
  serviceReads?: ServiceReads;
  /** Serve the schema's Subscription fields over graphql-ws on /graphql too. */
  subscriptions?: boolean;
  /** Releases what the definition holds besides MongoDB (e.g. Redis connections). */
  close?(): Promise<void>;
}

export interface RunningSubgraph {
  name: string;
  url: string;
  port: number;
  metrics: Metrics;
  /** This subgraph's Prometheus endpoint, on its own (non-public) port. */
  metricsUrl: string;
  db: Db;
  close(): Promise<void>;
}

export interface SubgraphOptions {
  config: Config;
  /** MongoDB to use (the embedded server's URI when MONGODB_URI is unset). */
  mongoUri: string;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Port of /metrics; 0 picks a free one. Default: METRICS_PORT plus the subgraph's offset. */
  metricsPort?: number;
  logger?: Logger;
}

/** Builds and starts a subgraph: /graphql, /healthz and /readyz on its port, /metrics on its metrics port. */
export async function startSubgraph<Ctx extends RequestContext>(
  def: SubgraphDefinition<Ctx>,
  opts: SubgraphOptions,
): Promise<RunningSubgraph> {
  const { config } = opts;
  const log = opts.logger ?? createLogger(def.name, config.LOG_LEVEL);
  const metrics = createMetrics(def.name);
  const observeBatch = (loader: string, size: number) => metrics.loaderBatches.observe({ loader }, size);
  const verifier = new TokenVerifier({
    secret: jwtSecret(config),
    jwksUrl: config.JWT_JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    maxAgeSeconds: config.JWT_MAX_AGE_SECONDS,
    internalSecret: def.serviceReads ? internalJwtSecret(config) : undefined,
  });
  // Closed last-in-first-out: servers before what their requests use.
  const cleanup = new CleanupStack();
  try {
    if (def.close) cleanup.defer(() => def.close!());
    const client = await connectMongo(opts.mongoUri, metrics, `hiregraph-${def.name}`);
    cleanup.defer(() => client.close());
    const db = client.db(config.MONGODB_DB);
    await def.ensureIndexes(db);

    const app = graphqlApp();
    const http: Server = createServer();
    cleanup.defer(() => new Promise<void>((r) => http.close(() => r())));
    const schema = buildSubgraphSchema({ typeDefs: def.typeDefs, resolvers: def.resolvers });
    const common = commonServerOptions(config, http, log);
    const compiled = config.SUBGRAPH_EXECUTOR === 'compiled' && !config.SUBGRAPH_INLINE_TRACES;
    const apollo = new ApolloServer<Ctx>({
      ...(compiled ? { gateway: compiledExecution(schema) } : { schema }),
      ...common,
      plugins: [
        ...common.plugins,
        serviceGate(def.serviceReads ?? {}),
        projectionPlugin,
        operationObservability(metrics, log),
      ],
      // Apollo's default indents every answer for people; a subgraph's reader is a gateway.
      stringifyResult: (result) => JSON.stringify(result),
    });
    await apollo.start();
    cleanup.defer(() => apollo.stop());

    app.use(httpMetrics(metrics));
    app.use(compressResponses(config.COMPRESSION_THRESHOLD_BYTES));
    addOpsRoutes(app, def.name, async () => {
      await db.command({ ping: 1 });
      return { mongodb: 'ok' };
    });
    if (def.subscriptions) {
      const ws = serveSubgraphSubscriptions(http, schema, verifier, async (caller) =>
        def.context(
          await buildRequestContext(
            { authorization: caller.authorization, 'x-request-id': caller.requestId },
            verifier,
            log,
            observeBatch,
            // Verified in onSubscribe a moment ago.
            caller.principal,
          ),
          db,
        ),
      );
      cleanup.defer(() => ws.close());
    }
    const graphql = graphqlRoute(apollo, {
      bodyLimitBytes: SUBGRAPH_BODY_LIMIT_BYTES,
      compressionThresholdBytes: config.COMPRESSION_THRESHOLD_BYTES,
      metrics,
      log,
      context: async (req) => def.context(await buildRequestContext(req.headers, verifier, log, observeBatch), db),
    });
    serveRequests(http, graphql, app);

    const port = await listen(http, opts.port, config.BIND_HOST);
    const metricsServer = await serveMetrics(
      metrics,
      opts.metricsPort ?? metricsPort(config, def.name as MetricsOf),
      config.BIND_HOST,
    );
    cleanup.defer(() => metricsServer.close());
    log.info({ port, metricsPort: metricsServer.port }, `${def.name} subgraph listening`);
    return {
      name: def.name,
      port,
      url: `http://127.0.0.1:${port}/graphql`,
      metrics,
      metricsUrl: metricsServer.url,
      db,
      close: () => cleanup.close(),
    };
  } catch (err) {
    await cleanup.close().catch(() => undefined);
    throw err;
  }
}
