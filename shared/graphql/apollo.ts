import type { Server } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { Config } from '../config';
import { formatError, refusalStatus } from '../errors';
import type { Logger } from '../logger';

/**
 * The Apollo Server options every Hiregraph server shares: error shaping, introspection, draining,
 * no CDN landing page, no per-field instrumentation nobody asked for, logging.
 */
export function commonServerOptions(config: Config, httpServer: Server, log: Logger) {
  return {
    formatError: formatError(config.production),
    includeStacktraceInErrorResponses: !config.production,
    introspection: config.INTROSPECTION,
    // Apollo's own landing pages load from a CDN; the gateway serves an IDE bundled from npm instead.
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // Apollo installs both by default. Cache control wraps every field resolver of every request
      // to gather hints Hiregraph never sets (its answers are per caller); inline traces are kept
      // only with SUBGRAPH_INLINE_TRACES, and then only for a gateway that asks.
      ApolloServerPluginCacheControlDisabled(),
      ...(config.SUBGRAPH_INLINE_TRACES ? [] : [ApolloServerPluginInlineTraceDisabled()]),
      refusalStatuses,
    ],
    logger: log,
  };
}

/**
 * The one place a refused request gets its HTTP status: from the registry entry of the error that
 * refused it (shared/errors.ts), whether the context (authentication) or a plugin before execution
 * (service gate, rate limits, demand control) threw it. Errors once execution began leave it alone.
 */
const refusalStatuses: ApolloServerPlugin = {
  async contextCreationDidFail({ error }) {
    const status = refusalStatus(error);
    // Apollo answers a failed context with the error's own extensions.http, else 500.
    if (status && error instanceof GraphQLError && !error.extensions.http)
      Object.assign(error.extensions, { http: { status } });
  },
  async requestDidStart() {
    let executing = false;
    return {
      async executionDidStart() {
        executing = true;
      },
      async didEncounterErrors({ errors, response }) {
        if (executing || response.http.status) return;
        const status = refusalStatus(errors[0]);
        if (status) response.http.status = status;
      },
    };
  },
};
