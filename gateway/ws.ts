import type { Server } from 'node:http';
import { GraphQLError, type validate } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import WebSocket, { WebSocketServer } from 'ws';
import type { Principal, TokenVerifier } from '../shared/auth';
import { ErrorCode } from '../shared/errors';
import { requestIdOf } from '../shared/graphql/context';
import { authorizationOf } from '../shared/graphql/ws';
import type { Logger } from '../shared/logger';
import type { SubscriptionCaller, SubscriptionExecutor } from './subscriptions';

/** Close code for a client that does not read its events fast enough; it should resume with afterSeq. */
export const SLOW_CONSUMER_CLOSE = 4008;

/** Subscription limits (SUBSCRIPTIONS_PER_CONNECTION, SUBSCRIPTIONS_PER_TENANT, SUBSCRIPTION_MAX_BUFFER_BYTES). */
export interface SubscriptionLimits {
  /** Operations one connection may have open at once. */
  perConnection: number;
  /** Operations one tenant may have open on this gateway at once. */
  perTenant: number;
  /** Bytes a connection may have waiting to be sent before it is closed as a slow consumer. */
  maxBufferedBytes: number;
}

interface Connection { authorization: string | undefined; principal: Principal; requestId: string; upstreams: Map<string, Client>; open: number }

/** A graphql-ws client to a subgraph, authenticated as the caller. */
export function upstreamClient(url: string, authorization: string | undefined, requestId: string): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization, 'x-request-id': requestId },
    lazy: true,
    retryAttempts: 0,
    keepAlive: 10_000,
  });
}

function limitError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds: 1 } });
}

/**
 * graphql-ws on the gateway's /graphql path, beside HTTP. Authenticates in connection_init (4403
 * otherwise), checks the token again and the limits on every subscribe, runs each subscription
 * through the federated executor, and tears upstream subscriptions down with the client's.
 */
export function serveGatewaySubscriptions(opts: {
  http: Server; executor: SubscriptionExecutor; verifier: TokenVerifier; subgraphWsUrl: (service: string) => string; limits: SubscriptionLimits; log: Logger;
  /** Validation of subscribe operations, with the gateway's operation limits. */
  validate: typeof validate;
  /** Runs before each subscribe (rate limits); throwing refuses it with that error. */
  beforeSubscribe: (principal: Principal, authorization: string | undefined, requestId: string) => Promise<void>;
}): { close(): Promise<void>; openSubscriptions(): number } {
  const { executor, verifier, limits, log } = opts;
  const wss = new WebSocketServer({ server: opts.http, path: '/graphql' });
  const connections = new WeakMap<object, Connection>();
  const perTenant = new Map<string, number>();
  let open = 0;

  const upstream = (conn: Connection, service: string): Client => {
    let client = conn.upstreams.get(service);
    if (!client) {
      client = upstreamClient(opts.subgraphWsUrl(service), conn.authorization, conn.requestId);
      conn.upstreams.set(service, client);
    }
    return client;
  };

  const server = useServer<Record<string, unknown>, { socket: WebSocket }>({
    schema: executor.schema,
    validate: opts.validate,
    onConnect: async (ctx) => {
      const authorization = authorizationOf(ctx.connectionParams);
      try {
        const principal = await verifier.verify(authorization);
        connections.set(ctx.extra.socket, { authorization, principal, requestId: requestIdOf({}), upstreams: new Map(), open: 0 });
        return true;
      } catch {
        return false;
      }
    },
    onSubscribe: async (ctx) => {
      const conn = connections.get(ctx.extra.socket)!;
      try {
        conn.principal = await verifier.verify(conn.authorization);
      } catch (err) {
        return [err as GraphQLError];
      }
      const tenant = conn.principal.tenantId?.toHexString() ?? '-';
      if (conn.open >= limits.perConnection) return [limitError(`at most ${limits.perConnection} subscriptions per connection`)];
      if ((perTenant.get(tenant) ?? 0) >= limits.perTenant) return [limitError(`at most ${limits.perTenant} subscriptions per tenant on this gateway`)];
      try {
        await opts.beforeSubscribe(conn.principal, conn.authorization, conn.requestId);
      } catch (err) {
        return [err as GraphQLError];
      }
      return undefined;
    },
    context: (ctx) => ({ conn: connections.get(ctx.extra.socket) }),
    subscribe: (args) => {
      const conn = (args.contextValue as { conn: Connection }).conn;
      const tenant = conn.principal.tenantId?.toHexString() ?? '-';
      const canRead = conn.principal.roles.some((r) => r !== 'platform-admin');
      const caller: SubscriptionCaller = {
        requestId: conn.requestId, authorization: conn.authorization, upstream: (s) => upstream(conn, s),
        shareKey: canRead && conn.principal.tenantId ? `tenant:${tenant}` : undefined,
      };
      const source = executor.subscribe(caller, args.document, (args.variableValues ?? {}) as Record<string, unknown>, args.operationName ?? undefined);
      conn.open++;
      open++;
      perTenant.set(tenant, (perTenant.get(tenant) ?? 0) + 1);
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        conn.open--;
        open--;
        const left = (perTenant.get(tenant) ?? 1) - 1;
        if (left > 0) perTenant.set(tenant, left);
        else perTenant.delete(tenant);
      };
      // Counted until it ends or the client leaves; return() reaches the upstream at once.
      return {
        next: async () => {
          try {
            const r = await source.next();
            if (r.done) release();
            return r;
          } catch (err) {
            release();
            throw err;
          }
        },
        return: async () => {
          release();
          return source.return!();
        },
        [Symbol.asyncIterator]() { return this; },
      } as never;
    },
    execute: () => ({ errors: [new GraphQLError('queries and mutations go over HTTP POST /graphql; this socket serves subscriptions', { extensions: { code: 'BAD_REQUEST' } })] }),
    onNext: (ctx) => {
      // Never let a slow reader grow memory: close it so it resumes with afterSeq.
      if (ctx.extra.socket.bufferedAmount > limits.maxBufferedBytes) {
        log.warn({ buffered: ctx.extra.socket.bufferedAmount }, 'closing a slow subscription consumer');
        ctx.extra.socket.close(SLOW_CONSUMER_CLOSE, 'slow consumer: reconnect and resume with afterSeq');
      }
    },
    onClose: (ctx) => {
      const conn = connections.get(ctx.extra.socket);
      for (const c of conn?.upstreams.values() ?? []) void c.dispose();
    },
  }, wss, 12_000);

  let closing: Promise<void> | undefined;
  return {
    openSubscriptions: () => open,
    close: () => (closing ??= (async () => {
      await server.dispose();
      await new Promise<void>((r) => wss.close(() => r()));
    })()),
  };
}
