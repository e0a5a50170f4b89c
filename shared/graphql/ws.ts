import type { IncomingHttpHeaders, Server } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { TokenVerifier } from '../auth';

/** The graphql-ws connection_init payload: `{ authorization: "Bearer …" }`. */
export function authorizationOf(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const a = params?.authorization ?? params?.Authorization;
  return typeof a === 'string' ? a : undefined;
}

/**
 * Serves a schema's subscriptions over graphql-ws on the server's /graphql path. The token in
 * connection_init is verified first (a bad one closes the socket with 4403), and each operation
 * gets a fresh context built as for HTTP.
 */
export function serveSubscriptions(
  http: Server,
  schema: GraphQLSchema,
  verifier: TokenVerifier,
  context: (headers: IncomingHttpHeaders) => Promise<unknown>,
): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server: http, path: '/graphql' });
  const server = useServer({
    schema,
    onConnect: async (ctx) => {
      try {
        await verifier.verify(authorizationOf(ctx.connectionParams));
        return true;
      } catch {
        return false;
      }
    },
    context: (ctx) => context({
      authorization: authorizationOf(ctx.connectionParams),
      'x-request-id': typeof ctx.connectionParams?.['x-request-id'] === 'string' ? ctx.connectionParams['x-request-id'] : undefined,
    }),
  }, wss);
  let closing: Promise<void> | undefined;
  return {
    close: () => (closing ??= (async () => {
      await server.dispose();
      await new Promise<void>((r) => wss.close(() => r()));
    })()),
  };
}
