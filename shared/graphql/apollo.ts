import type { Server } from 'node:http';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { Config } from '../config';
import { formatError } from '../errors';
import type { Logger } from '../logger';

/** The Apollo Server options every Hiregraph server shares: error shaping, introspection, draining, logging. */
export function commonServerOptions(config: Config, httpServer: Server, log: Logger) {
  return {
    formatError: formatError(config.production),
    includeStacktraceInErrorResponses: !config.production,
    introspection: config.INTROSPECTION,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer })],
    logger: log,
  };
}
