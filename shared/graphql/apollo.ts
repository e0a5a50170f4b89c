import type { Server } from 'node:http';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { Config } from '../config';
import { formatError } from '../errors';
import type { Logger } from '../logger';

/** The Apollo Server options every Hiregraph server shares: error shaping, introspection, draining, no CDN landing page, logging. */
export function commonServerOptions(config: Config, httpServer: Server, log: Logger) {
  return {
    formatError: formatError(config.production),
    includeStacktraceInErrorResponses: !config.production,
    introspection: config.INTROSPECTION,
    // Apollo's own landing pages load from a CDN; the gateway serves an IDE bundled from npm instead.
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled()],
    logger: log,
  };
}
