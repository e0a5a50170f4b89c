import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { requestIdOf } from './context';

const KNOWN_PATHS = new Set(['/graphql', '/healthz', '/readyz', '/metrics']);

/**
 * Times one HTTP request into `hiregraph_http_request_duration_seconds` and tags it with its
 * request id (the caller's `x-request-id` when well-formed, else a new one), both ways.
 */
export function observeHttpRequest(metrics: Metrics, path: string, req: IncomingMessage, res: ServerResponse): void {
  const end = metrics.httpRequests.startTimer({ method: req.method, path });
  res.on('finish', () => end({ status: String(res.statusCode) }));
  const id = requestIdOf(req.headers);
  req.headers['x-request-id'] = id;
  res.setHeader('x-request-id', id);
}

/** The same for Express's routes (paths outside the known few are grouped, to keep labels bounded). */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    observeHttpRequest(metrics, KNOWN_PATHS.has(req.path) ? req.path : 'other', req, res);
    next();
  };
}

interface Identified {
  requestId?: string;
  log?: Logger;
  /** Demand control's estimate, limit and actual cost, where the gateway measured them. */
  cost?: { estimated: number; max: number; actual?: number };
}

/**
 * Times every GraphQL operation by name and outcome, and logs one line per operation with the
 * request id, the tenant and the operation name (the context's logger already carries the ids).
 */
export function operationObservability(metrics: Metrics, fallback: Logger): ApolloServerPlugin<Identified> {
  return {
    async requestDidStart({ request, contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operation, operationName, errors, response }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          // The body's errors are what was sent; the request's (a copy of them) only when there is no body.
          const codes = (body?.errors ?? errors ?? []).map((e) =>
            String((e as { extensions?: { code?: unknown } }).extensions?.code ?? 'INTERNAL_SERVER_ERROR'),
          );
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const name = operationName ?? request.operationName ?? 'anonymous';
          const type = operation?.operation ?? 'unknown';
          const code = codes[0] ?? 'OK';
          metrics.operations.observe({ operation: metrics.operationLabel(operationName), type, code }, seconds);
          const log = contextValue?.log ?? fallback;
          log.info(
            {
              operationName: name.slice(0, 200),
              operationType: type,
              durationMs: Math.round(seconds * 1000),
              errors: codes.length ? codes : undefined,
              cost: contextValue?.cost,
            },
            'operation',
          );
        },
      };
    },
  };
}
