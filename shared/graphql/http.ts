import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants } from 'node:zlib';
import compression from 'compression';
import express, { type Express, type RequestHandler } from 'express';
import type { Metrics } from '../metrics';

/**
 * The operational endpoints every process serves on its own port: /healthz (alive) and /readyz
 * (its dependencies answer; `ready` throws or resolves false otherwise). /metrics is not among
 * them: it names every tenant's operations, so it has a listener of its own (serveMetrics).
 */
export function addOpsRoutes(app: Express, service: string, ready: () => Promise<Record<string, unknown>>): void {
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service });
  });
  app.get('/readyz', (_req, res) => {
    ready().then(
      (details) => res.json({ status: 'ready', ...details }),
      (err: unknown) =>
        res.status(503).json({ status: 'unavailable', reason: err instanceof Error ? err.message : String(err) }),
    );
  });
}

/**
 * /metrics (Prometheus) on a listener of its own (METRICS_PORT), never a public port: operation
 * names of every tenant are in it. Anything else there is a 404.
 */
export async function serveMetrics(
  metrics: Metrics,
  port: number,
  host: string,
): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const http = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  const bound = await listen(http, port, host);
  return {
    url: `http://127.0.0.1:${bound}/metrics`,
    port: bound,
    close: () => new Promise<void>((r) => http.close(() => r())),
  };
}

/**
 * How long an idle keep-alive connection stays open. Longer than any client's idle-socket timeout
 * (the gateway's pooled fetcher, load balancers at 60 s), so the server never closes a socket a
 * client is just reusing: with Node's default of 5 s that race reset gateway-to-subgraph requests.
 */
export const KEEP_ALIVE_MS = 65_000;

/** Listens and resolves with the port actually bound (useful with port 0). */
export function listen(http: Server, port: number, host: string): Promise<number> {
  http.keepAliveTimeout = KEEP_ALIVE_MS;
  http.headersTimeout = KEEP_ALIVE_MS + 1000;
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve((http.address() as AddressInfo).port);
    });
  });
}

/**
 * Brotli at quality 4 and gzip (and deflate) at level 6 for every compressed answer. Brotli's
 * default quality (11) is meant for static files and costs tens of milliseconds on an 80 KB answer.
 */
export const BROTLI_QUALITY = 4;
export const GZIP_LEVEL = 6;

/**
 * Compresses responses of at least `thresholdBytes` with Brotli or gzip, as the client's
 * Accept-Encoding prefers: the Express routes' (metrics, the IDE); GraphQL answers are
 * compressed by their route (graphql-route.ts), which compresses a shared answer once.
 */
export function compressResponses(thresholdBytes: number): RequestHandler {
  const compress = compression({
    threshold: thresholdBytes,
    level: GZIP_LEVEL,
    brotli: { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } },
  });
  // A client that accepts no encoding gets the body as it is, without the middleware's wrapping.
  return (req, res, next) => (req.headers['accept-encoding'] ? compress(req, res, next) : next());
}

/** The Express app a GraphQL server (the gateway, a subgraph) is built on. */
export function graphqlApp(): Express {
  const app = express();
  // No ETag: a GraphQL answer is never revalidated, so hashing every body (SHA-1) is pure cost.
  app.set('etag', false);
  return app;
}
