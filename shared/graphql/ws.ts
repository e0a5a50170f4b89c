import type { Server } from 'node:http';
import { GraphQLError, parse, validate, type GraphQLSchema } from 'graphql';
import type { Context, ServerOptions } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal, TokenVerifier } from '../auth';
import { errors } from '../errors';
import { closeOnce } from './close';
import { documentCache } from './document-cache';
import { requestIdOf } from './context';

/** The graphql-ws connection_init payload: `{ authorization: "Bearer …", "x-request-id"?: … }`. */
export function authorizationOf(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const a = params?.authorization ?? params?.Authorization;
  return typeof a === 'string' ? a : undefined;
}

/** Who a graphql-ws connection is: its token as sent, as verified, and its request id. */
export interface WsCaller {
  authorization: string | undefined;
  principal: Principal;
  requestId: string;
}

type Extra = { socket: WebSocket };
export type WsContext = Context<Record<string, unknown>, Extra>;

/** What a server's own graphql-ws options get from the builder. */
export interface WsTools<C extends WsCaller> {
  /** The connection's state (set once its token was verified in connection_init). */
  of(ctx: WsContext): C;
  /** Verifies the connection's token again (it may have expired since connect) and updates its principal; UNAUTHENTICATED otherwise. */
  reverify(conn: C): Promise<Principal>;
}

export interface WsServerOptions<C extends WsCaller> {
  http: Server;
  verifier: TokenVerifier;
  /** Per-connection state, built from the verified caller. */
  connection: (caller: WsCaller) => C;
  /** The rest of graphql-ws's options (schema, hooks); authentication is the builder's. */
  options: (tools: WsTools<C>) => Omit<ServerOptions<Record<string, unknown>, Extra>, 'onConnect'>;
  /** Ping interval in ms. Default: 12000 (graphql-ws's own). */
  keepAlive?: number;
  /** Largest message accepted; a larger one closes the socket with 1009. Default: 1 MiB (ws's own is 100 MiB). */
  maxPayload?: number;
}

/**
 * graphql-ws on the server's /graphql path, for the gateway and the subgraphs alike, with one
 * authentication path: the token in connection_init is verified before anything else (a missing
 * or bad one closes the socket with 4403), and `reverify` checks it again where an operation starts.
 */
export function serveGraphqlWs<C extends WsCaller>(opts: WsServerOptions<C>): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server: opts.http, path: '/graphql', maxPayload: opts.maxPayload ?? 1024 * 1024 });
  const connections = new WeakMap<WebSocket, C>();
  const tools: WsTools<C> = {
    of: (ctx) => connections.get(ctx.extra.socket)!,
    async reverify(conn) {
      conn.principal = await opts.verifier.verify(conn.authorization);
      return conn.principal;
    },
  };
  const server = useServer<Record<string, unknown>, Extra>(
    {
      ...opts.options(tools),
      onConnect: async (ctx) => {
        const authorization = authorizationOf(ctx.connectionParams);
        try {
          const principal = await opts.verifier.verify(authorization);
          // Subscriptions are for users; a service token reads entities over HTTP only.
          if (principal.service) return false;
          const given = ctx.connectionParams?.['x-request-id'];
          const requestId = requestIdOf({ 'x-request-id': typeof given === 'string' ? given : undefined });
          connections.set(ctx.extra.socket, opts.connection({ authorization, principal, requestId }));
          return true;
        } catch {
          return false;
        }
      },
    },
    wss,
    opts.keepAlive ?? 12_000,
  );
  return {
    close: closeOnce(async () => {
      await server.dispose();
      await new Promise<void>((r) => wss.close(() => r()));
    }),
  };
}

/**
 * A subgraph's subscriptions. A gateway multiplexes many callers' subscriptions over one socket per
 * tenant, so each subscribe may carry its caller's own token and request id in its `extensions`
 * (the same keys as connection_init): that token is verified, refused if it is a service's, and
 * the operation runs as that caller; without one it runs as the connection. Texts are parsed and
 * validated once (documentCache).
 */
export function serveSubgraphSubscriptions(
  http: Server,
  schema: GraphQLSchema,
  verifier: TokenVerifier,
  context: (caller: WsCaller) => Promise<unknown>,
): { close(): Promise<void> } {
  const documentOf = documentCache({ schema, parse, validate });
  return serveGraphqlWs({
    http,
    verifier,
    connection: (caller) => caller,
    options: (tools) => ({
      schema,
      onSubscribe: async (ctx, _id, payload) => {
        const conn = tools.of(ctx);
        let caller: WsCaller = conn;
        try {
          const own = authorizationOf(payload.extensions ?? undefined);
          if (own === undefined) await tools.reverify(conn);
          else {
            const principal = await verifier.verify(own);
            if (principal.service)
              throw errors.unauthenticated('subscriptions are for users; a service token reads over HTTP');
            const given = payload.extensions?.['x-request-id'];
            const requestId = requestIdOf({ 'x-request-id': typeof given === 'string' ? given : undefined });
            caller = { authorization: own, principal, requestId };
          }
        } catch (err) {
          return [err instanceof GraphQLError ? err : new GraphQLError(String(err))];
        }
        const document = documentOf(payload.query);
        if (Array.isArray(document)) return document;
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await context(caller),
        };
      },
    }),
  });
}
