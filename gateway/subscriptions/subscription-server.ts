import type { Server } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST, GraphQLError, type DocumentNode, type ExecutionResult, type validate } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { actingTenant, type Principal, type TokenVerifier } from '../../shared/auth';
import { ErrorCode, errors } from '../../shared/errors';
import { serveGraphqlWs, type WsCaller } from '../../shared/graphql/ws';
import type { Logger } from '../../shared/logger';
import type { SubscriptionCaller, SubscriptionExecutor } from './subscription-executor';
import { endAtTokenExpiry } from './token-lifetime';
import type { Admission } from '../cost/demand-control';
import type { GatewayContext } from '../context';
import type { DropReason } from './subscription-metrics';

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

/** The error as it is, with a contract code unless it has one. */
function withCode(err: GraphQLError, code: string): GraphQLError {
  if (err.extensions?.code) return err;
  return new GraphQLError(err.message, {
    nodes: err.nodes,
    source: err.source,
    positions: err.positions,
    extensions: { ...err.extensions, code },
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
}): { close(): Promise<void>; openSubscriptions(): number } {
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

  const upstream = (conn: Connection, service: string): Client => {
    let client = conn.upstreams.get(service);
    if (!client) {
      client = upstreamClient(opts.subgraphWsUrl(service), conn.authorization, conn.requestId);
      conn.upstreams.set(service, client);
    }
    return client;
  };

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
          let document: DocumentNode;
          try {
            document = opts.parse(payload.query);
          } catch (err) {
            return refuse(withCode(err as GraphQLError, 'GRAPHQL_PARSE_FAILED'));
          }
          const invalid = opts.validate(executor.schema, document);
          if (invalid.length) return refuse(invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED')));
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
        // Shared per tenant only for a caller reading its own tenant's events.
        const own = actingTenant(conn.principal, 'read', 'null');
        const caller: SubscriptionCaller = {
          requestId: conn.requestId,
          authorization: conn.authorization,
          upstream: (s) => upstream(conn, s),
          shareKey: own ? `tenant:${own.toHexString()}` : undefined,
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
      execute: () => ({
        errors: [
          new GraphQLError('queries and mutations go over HTTP POST /graphql; this socket serves subscriptions', {
            extensions: { code: 'BAD_REQUEST' },
          }),
        ],
      }),
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

  return { openSubscriptions: () => open, close: server.close };
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
