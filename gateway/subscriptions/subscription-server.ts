import type { Server } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST, GraphQLError, type DocumentNode, type ExecutionResult, type validate } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { actingTenant, type Principal, type TokenVerifier } from '../../shared/auth';
import { ErrorCode, errors } from '../../shared/errors';
import { closeOnce } from '../../shared/graphql/close';
import { documentCache } from '../../shared/graphql/document-cache';
import { serveGraphqlWs, type WsCaller } from '../../shared/graphql/ws';
import type { Logger } from '../../shared/logger';
import { whenDone } from './push-iterator';
import type { SocketQuery } from './socket-queries';
import type { SubscriptionCaller, SubscriptionExecutor } from './subscription-executor';
import { endAtTokenExpiry } from './token-lifetime';
import type { Admission } from '../cost/demand-control';
import type { GatewayContext } from '../context';
import type { DropReason } from './subscription-metrics';
import { UpstreamPool, type Upstream } from './upstream-pool';

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

/** A subscription's place under the limits, taken before its first await and given back once. */
interface Slot {
  tenant: string;
  released: boolean;
}

interface Connection extends WsCaller {
  upstreams: Map<string, Client>;
  slots: Set<Slot>;
}

/** A graphql-ws client to a subgraph whose connection_init sends what `params` gives (a caller's token and request id). */
export function upstreamClient(url: string, params: () => Record<string, unknown>): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: params,
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
  http: Server;
  executor: SubscriptionExecutor;
  verifier: TokenVerifier;
  subgraphWsUrl: (service: string) => string;
  limits: SubscriptionLimits;
  log: Logger;
  /** Validation of subscribe operations, with the gateway's operation limits. */
  validate: typeof validate;
  /** Parsing of subscribe operations, with the gateway's token limit. */
  parse: (query: string) => DocumentNode;
  /** Runs before each subscribe (rate limits); throwing refuses it with that error. */
  beforeSubscribe: (principal: Principal, authorization: string | undefined, requestId: string) => Promise<void>;
  /** Demand control: throws COST_ESTIMATED_TOO_EXPENSIVE for an operation over the caller's limit. */
  admit: (a: Admission) => Promise<unknown>;
  /** Told of each subscription the gateway ends itself: a slow consumer, or a token that expired. */
  onDrop?: (reason: DropReason) => void;
  /** Largest graphql-ws message accepted (BODY_LIMIT_BYTES, as for HTTP). */
  maxPayload: number;
  /** Runs a query (or refuses a mutation) subscribed over the socket: @defer's payloads as `next`s. */
  query: SocketQuery;
}): { close(): Promise<void>; openSubscriptions(): number; upstreamSockets(): number } {
  const { executor, verifier, limits, log } = opts;
  const perTenant = new Map<string, number>();
  let open = 0;

  /**
   * Takes a slot synchronously, so a burst of subscribes on one connection or tenant can never
   * all pass the check while earlier ones await their token check or rate limit.
   */
  const reserve = (conn: Connection): Slot | GraphQLError => {
    const tenant = conn.principal.tenantId?.toHexString() ?? '-';
    if (conn.slots.size >= limits.perConnection)
      return limitError(`at most ${limits.perConnection} subscriptions per connection`);
    if ((perTenant.get(tenant) ?? 0) >= limits.perTenant)
      return limitError(`at most ${limits.perTenant} subscriptions per tenant on this gateway`);
    const slot: Slot = { tenant, released: false };
    conn.slots.add(slot);
    perTenant.set(tenant, (perTenant.get(tenant) ?? 0) + 1);
    open++;
    return slot;
  };
  const release = (conn: Connection, slot: Slot): void => {
    if (slot.released) return;
    slot.released = true;
    conn.slots.delete(slot);
    open--;
    const left = (perTenant.get(slot.tenant) ?? 1) - 1;
    if (left > 0) perTenant.set(slot.tenant, left);
    else perTenant.delete(slot.tenant);
  };

  const pool = new UpstreamPool((service, params) => upstreamClient(opts.subgraphWsUrl(service), params));
  /** A connection's own socket to a subgraph, for a caller no tenant's socket may carry. */
  const own = (conn: Connection, service: string): Upstream => {
    let client = conn.upstreams.get(service);
    if (!client) {
      const params = { authorization: conn.authorization, 'x-request-id': conn.requestId };
      client = upstreamClient(opts.subgraphWsUrl(service), () => params);
      conn.upstreams.set(service, client);
    }
    return { client, release: () => undefined };
  };
  const documentOf = documentCache({ schema: executor.schema, parse: opts.parse, validate: opts.validate });

  const server = serveGraphqlWs<Connection>({
    http: opts.http,
    verifier,
    maxPayload: opts.maxPayload,
    connection: (caller) => ({ ...caller, upstreams: new Map(), slots: new Set() }),
    options: (tools) => ({
      schema: executor.schema,
      validate: opts.validate,
      onSubscribe: async (ctx, _id, payload) => {
        const conn = tools.of(ctx);
        const slot = reserve(conn);
        if (slot instanceof GraphQLError) return [slot];
        // From here every refusal gives the slot back; parsing and validation happen here rather
        // than in graphql-ws, which would refuse after this hook without telling us.
        const refuse = (err: unknown): GraphQLError[] => {
          release(conn, slot);
          if (Array.isArray(err)) return err as GraphQLError[];
          return [err instanceof GraphQLError ? err : new GraphQLError(String(err))];
        };
        try {
          const principal = await tools.reverify(conn);
          await opts.beforeSubscribe(principal, conn.authorization, conn.requestId);
          const document = documentOf(payload.query);
          if (Array.isArray(document)) return refuse(document);
          const operationName = payload.operationName ?? undefined;
          if (!getOperationAST(document, operationName))
            return refuse(
              errors.badInput(
                `expected one operation${operationName ? ` named ${operationName}` : ''} in the document`,
              ),
            );
          await opts.admit({
            principal,
            authorization: conn.authorization,
            requestId: conn.requestId,
            document,
            variables: payload.variables ?? {},
            operationName,
          });
          return {
            schema: executor.schema,
            document,
            operationName,
            variableValues: payload.variables ?? {},
            contextValue: { conn, slot },
          };
        } catch (err) {
          return refuse(err);
        }
      },
      subscribe: (args) => {
        const { conn, slot } = args.contextValue as { conn: Connection; slot: Slot };
        // Shared per tenant (streams and sockets) only for a caller reading its own tenant's events.
        const tenant = actingTenant(conn.principal, 'read', 'null');
        const shareKey = tenant ? `tenant:${tenant.toHexString()}` : undefined;
        const caller: SubscriptionCaller = {
          requestId: conn.requestId,
          authorization: conn.authorization,
          upstream: (s) => (shareKey ? pool.acquire(s, shareKey, conn.authorization, conn.requestId) : own(conn, s)),
          shareKey,
        };
        let source: AsyncIterableIterator<ExecutionResult>;
        try {
          source = executor.subscribe(
            caller,
            args.document,
            (args.variableValues ?? {}) as Record<string, unknown>,
            args.operationName ?? undefined,
          );
        } catch (err) {
          release(conn, slot);
          return { errors: [err instanceof GraphQLError ? err : new GraphQLError(String(err))] };
        }
        // A subscription lives no longer than its token: at `exp` this one (only) ends UNAUTHENTICATED,
        // and a shared upstream it joined goes on for the others. Counted until it ends, fails,
        // expires or the client leaves; return() reaches the upstream at once.
        return endAtTokenExpiry(
          source,
          conn.principal.expiresAt,
          () => {
            opts.onDrop?.('token_expired');
            return errors.unauthenticated(
              'the token expired during this subscription; reconnect with a fresh token and resume with afterSeq or after',
            );
          },
          () => release(conn, slot),
        );
      },
      // A query holds its slot (SUBSCRIPTIONS_PER_*) until its last payload went out.
      execute: async (args) => {
        const { conn, slot } = args.contextValue as { conn: Connection; slot: Slot };
        try {
          const variables = (args.variableValues ?? {}) as Record<string, unknown>;
          const result = await opts.query(conn, args.document, variables, args.operationName ?? undefined);
          if (Symbol.asyncIterator in result) return whenDone(result, () => release(conn, slot));
          release(conn, slot);
          return result;
        } catch (err) {
          release(conn, slot);
          return { errors: [err instanceof GraphQLError ? err : new GraphQLError(String(err))] };
        }
      },
      onNext: (ctx) => {
        // Never let a slow reader grow memory: close it so it resumes with afterSeq.
        if (ctx.extra.socket.bufferedAmount > limits.maxBufferedBytes) {
          log.warn({ buffered: ctx.extra.socket.bufferedAmount }, 'closing a slow subscription consumer');
          opts.onDrop?.('slow_consumer');
          ctx.extra.socket.close(SLOW_CONSUMER_CLOSE, 'slow consumer: reconnect and resume with afterSeq');
        }
      },
      onClose: (ctx) => {
        // A socket refused in connection_init has no state.
        const conn = tools.of(ctx) as Connection | undefined;
        for (const slot of [...(conn?.slots ?? [])]) release(conn!, slot);
        for (const c of conn?.upstreams.values() ?? []) void c.dispose();
      },
    }),
  });

  return {
    openSubscriptions: () => open,
    upstreamSockets: () => pool.size,
    // The clients' sockets first, so their subscriptions give their upstreams back; then the rest.
    close: closeOnce(async () => {
      try {
        await server.close();
      } finally {
        await pool.close();
      }
    }),
  };
}

/** A subscription sent over HTTP gets a clear 400 pointing to graphql-ws, not the gateway's 500. */
export const subscriptionsOverWebSocket: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation === 'subscription') {
          throw errors.badRequest(
            'subscriptions are served over graphql-ws (WebSocket) on this same /graphql URL, not over HTTP POST',
          );
        }
      },
    };
  },
};
