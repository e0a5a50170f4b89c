import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

/** Stock Apollo Gateway and Apollo Server with their defaults, forwarding the authorization header. */
async function main(): Promise<void> {
  const [supergraphPath, port] = process.argv.slice(2);
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(supergraphPath!, 'utf8'),
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<{ authorization?: string }>({
        url,
        willSendRequest({ request, context }) {
          if (context.authorization) request.http?.headers.set('authorization', context.authorization);
        },
      }),
  });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: Number(port), host: '127.0.0.1' },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  // A clean exit on SIGTERM, so `--cpu-prof` writes its profile.
  process.once('SIGTERM', () => void server.stop().finally(() => process.exit(0)));
  process.stdout.write(`ready ${url}\n`);
}

void main();
