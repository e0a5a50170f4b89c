import { createServer, type Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { DocumentNode } from 'graphql';
import type { Db, MongoClient } from 'mongodb';
import { TokenVerifier } from '../auth';
import { jwtSecret, type Config } from '../config';
import { createLogger, type Logger } from '../logger';
import { createMetrics, type Metrics } from '../metrics';
import { connectMongo } from '../mongo/connect';
import { commonServerOptions } from './apollo';
import { buildRequestContext, type RequestContext } from './context';
import { closeAll, closeOnce } from './close';
import { graphqlRoute, serveRequests } from './graphql-route';
import { addOpsRoutes, compressResponses, graphqlApp, listen } from './http';
import { httpMetrics, operationObservability } from './observability';
import { serveSubgraphSubscriptions } from './ws';

/** Subgraphs hear only from gateways, whose operations are small: 1 MiB is ample. */
const SUBGRAPH_BODY_LIMIT_BYTES = 1024 * 1024;

/** What makes one subgraph: its schema, resolvers, indexes and per-request state. */
export interface SubgraphDefinition<Ctx extends RequestContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<Ctx>;
  /** Creates the subgraph's indexes (each led by tenantId), idempotently, at startup. */
  ensureIndexes(db: Db): Promise<void>;
  /** Adds the subgraph's repositories and loaders to a request's base context. */
  context(base: RequestContext, db: Db): Ctx;
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
  db: Db;
  close(): Promise<void>;
}

export interface SubgraphOptions {
  config: Config;
  /** MongoDB to use (the embedded server's URI when MONGODB_URI is unset). */
  mongoUri: string;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  logger?: Logger;
}

/** Builds and starts a subgraph: /graphql, /healthz, /readyz and /metrics on one port. */
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
  });
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  let client: MongoClient | undefined;
  let http: Server | undefined;
  try {
    if (def.close) cleanup.push(() => def.close!());
    client = await connectMongo(opts.mongoUri, metrics, `hiregraph-${def.name}`);
    cleanup.push(() => client!.close());
    const db = client.db(config.MONGODB_DB);
    await def.ensureIndexes(db);

    const app = graphqlApp();
    http = createServer();
    const schema = buildSubgraphSchema({ typeDefs: def.typeDefs, resolvers: def.resolvers as never });
    const common = commonServerOptions(config, http, log);
    const apollo = new ApolloServer<Ctx>({
      schema,
      ...common,
      plugins: [...common.plugins, operationObservability(metrics, log) as never],
    });
    await apollo.start();
    cleanup.unshift(() => apollo.stop());

    app.use(httpMetrics(metrics));
    app.use(compressResponses(config.COMPRESSION_THRESHOLD_BYTES));
    addOpsRoutes(app, def.name, metrics, async () => {
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
          ),
          db,
        ),
      );
      cleanup.unshift(() => ws.close());
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
    log.info({ port }, `${def.name} subgraph listening`);
    const server = http;
    return {
      name: def.name,
      port,
      url: `http://127.0.0.1:${port}/graphql`,
      metrics,
      db,
      close: closeOnce(() => closeAll([...cleanup, () => new Promise<void>((r) => server.close(() => r()))])),
    };
  } catch (err) {
    await closeAll(cleanup).catch(() => undefined);
    http?.close();
    throw err;
  }
}
