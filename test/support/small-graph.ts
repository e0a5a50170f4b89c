import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { composeSdl } from '../../gateway/compose';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { signToken } from '../../shared/auth';
import { loadConfig } from '../../shared/config';
import { TEST_ENV, TEST_JWT_SECRET } from './secrets';

/** buildSubgraphSchema's resolver map (its package exports the function, not the type). */
type Resolvers = Extract<Parameters<typeof buildSubgraphSchema>[0], { typeDefs: unknown }>['resolvers'];

export interface SmallSubgraph {
  name: string;
  typeDefs: string;
  /** Resolvers by type and field, `__resolveReference` included. */
  resolvers: Resolvers;
}

/** A supergraph of the test's own subgraphs, each a real Apollo Server, behind Hiregraph's gateway. */
export interface SmallGraph {
  gateway: RunningGateway;
  supergraphSdl: string;
  /** Posts an operation to the gateway with a viewer's token; the parsed body. */
  post<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Composes `subgraphs`, serves each on port 0 and starts the gateway over them (NODE_ENV=test,
 * the test secrets, `env` on top): for features Hiregraph's own schema does not use.
 */
export async function startSmallGraph(
  subgraphs: SmallSubgraph[],
  env: Record<string, string> = {},
): Promise<SmallGraph> {
  const servers: ApolloServer[] = [];
  let gateway: RunningGateway | undefined;
  const close = async () => {
    await gateway?.close();
    await Promise.all(servers.map((s) => s.stop()));
  };
  try {
    const urls: Record<string, string> = {};
    for (const s of subgraphs) {
      const server = new ApolloServer({
        schema: buildSubgraphSchema({ typeDefs: parse(s.typeDefs), resolvers: s.resolvers }),
        plugins: [ApolloServerPluginInlineTraceDisabled()],
      });
      servers.push(server);
      urls[s.name] = (await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } })).url;
    }
    const supergraphSdl = composeSdl(
      subgraphs.map((s) => ({ name: s.name, url: urls[s.name]!, typeDefs: s.typeDefs })),
    );
    const config = loadConfig({ ...TEST_ENV, LOG_LEVEL: 'silent', ...env });
    gateway = await startGateway({ config, port: 0, metricsPort: 0, subgraphUrls: {}, supergraphSdl });
    const token = await signToken(TEST_JWT_SECRET, { sub: 'small-graph', roles: ['viewer'] });
    const url = gateway.url;
    return {
      gateway,
      supergraphSdl,
      async post<T>(query: string, variables?: Record<string, unknown>) {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables }),
        });
        return (await res.json()) as T;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
