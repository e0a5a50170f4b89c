import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import cors from 'cors';
import express from 'express';
import vary from 'vary';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { AnswerBytes, encodingFor } from './answer-bytes';
import {
  acceptsMultipart,
  jsonAccepted,
  MULTIPART_DEFER,
  multipartChunk,
  withHasNext,
  type IncrementalChannel,
  type SubsequentPayload,
} from './incremental';
import { observeHttpRequest } from './observability';

/** A request on the GraphQL route, with its parsed JSON body once read. */
export type GraphQLRequest = IncomingMessage & { body?: unknown };

/** A connect-style step: calls `next()` to go on, `next(err)` to fail, or ends the response itself. */
type Step = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

export interface GraphQLRouteOptions<C extends BaseContext> {
  /** Builds the request's context; a GraphQLError thrown here is answered with its `http.status`. */
  context: (req: GraphQLRequest, res: ServerResponse) => Promise<C>;
  /** The largest request body read; a larger one is answered 413. */
  bodyLimitBytes: number;
  /** Answers of at least this many bytes are compressed for clients that accept it. */
  compressionThresholdBytes: number;
  metrics: Metrics;
  /** Where the route's own failures are logged (Apollo Server logs what it answers). */
  log: Logger;
  /**
   * Callers share answers (the gateway's deduplication): recent large answers' bytes, plain and
   * compressed, are kept for the next caller of the same answer. Default false.
   */
  sharedAnswers?: boolean;
  /** Browser origins allowed by CORS (`*` for any); no CORS headers at all when absent. */
  corsOrigins?: readonly string[];
  /**
   * The executor may answer in parts (@defer): each request's context gets an `incremental`
   * channel saying whether the client takes multipart answers, where the executor leaves the
   * payloads after the initial one. Default false.
   */
  incrementalDelivery?: boolean;
}

/** The path GraphQL is served on, with or without a trailing slash, whatever the query string. */
function isGraphQLPath(url = ''): boolean {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return path === '/graphql' || path === '/graphql/';
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Serves a server's requests: `/graphql` on its GraphQL route; every other path, and the requests
 * to `/graphql` that `toApp` claims (the gateway's IDE page for browsers), on its Express app.
 */
export function serveRequests(
  http: Server,
  graphql: Handler,
  app: Handler,
  toApp: (req: IncomingMessage) => boolean = () => false,
): void {
  http.on('request', (req: IncomingMessage, res: ServerResponse) =>
    isGraphQLPath(req.url) && !toApp(req) ? graphql(req, res) : app(req, res),
  );
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

const badRequest = (message: string) => ({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });

/**
 * Failures before Apollo Server answers, as GraphQL-shaped JSON: malformed JSON is a 400 and an
 * oversized body a 413; only what is not the client's doing is a 500.
 */
function sendFailure(err: unknown, res: ServerResponse): void {
  const e = err as { type?: string; status?: number; limit?: number };
  if (e.type === 'entity.parse.failed') sendJson(res, 400, badRequest('the request body is not valid JSON'));
  else if (e.type === 'entity.too.large') {
    sendJson(res, 413, badRequest(`the request body is larger than the ${e.limit} bytes allowed`));
  } else if (e.status && e.status >= 400 && e.status < 500) {
    sendJson(res, e.status, badRequest('the request could not be read'));
  } else {
    sendJson(res, 500, {
      errors: [{ message: 'internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
  }
}

function runSteps(steps: readonly Step[], req: IncomingMessage, res: ServerResponse, done: (err?: unknown) => void) {
  let i = 0;
  const next = (err?: unknown): void => {
    if (err || i === steps.length) return done(err);
    try {
      steps[i++]!(req, res, next);
    } catch (thrown) {
      done(thrown);
    }
  };
  next();
}

/**
 * An incremental answer as multipart/mixed (deferSpec=20220824): the initial JSON with
 * `hasNext: true`, then each later payload as it comes, uncompressed so each part reaches the
 * client when it is written. A client that goes away stops the parts still to come.
 */
async function sendParts(
  res: ServerResponse,
  initial: string,
  later: AsyncIterableIterator<SubsequentPayload>,
): Promise<void> {
  res.setHeader('content-type', MULTIPART_DEFER);
  res.removeHeader('content-length');
  const stop = () => void later.return?.();
  res.once('close', stop);
  try {
    const write = async (chunk: string) => {
      if (!res.write(chunk)) await new Promise<void>((r) => res.once('drain', r));
    };
    await write(multipartChunk(withHasNext(initial.trimEnd()), true, true));
    let ended = false;
    for await (const payload of later) {
      if (res.destroyed) break;
      await write(multipartChunk(JSON.stringify(payload), false, payload.hasNext));
      ended = !payload.hasNext;
    }
    // The parts ended without saying so (stopped early): the body still closes as multipart.
    if (!ended && !res.destroyed) await write(multipartChunk('{"hasNext":false}', false, false));
    res.end();
  } finally {
    res.off('close', stop);
  }
}

/**
 * GraphQL over HTTP on Node's own request handler: CORS, the JSON body, Apollo Server, then the
 * answer's bytes, compressed as the client accepts (answer-bytes.ts). Express's router, request
 * decoration and `res.send` (which copied every answer into a new buffer) cost more per request
 * than the gateway's whole deduplicated execution; Express keeps the other routes (health,
 * metrics, the IDE).
 */
export function graphqlRoute<C extends BaseContext>(
  apollo: ApolloServer<C>,
  opts: GraphQLRouteOptions<C>,
): (req: IncomingMessage, res: ServerResponse) => void {
  apollo.assertStarted('graphqlRoute()');
  const steps: Step[] = [];
  if (opts.corsOrigins) {
    steps.push(
      cors({
        origin: opts.corsOrigins.includes('*') ? true : [...opts.corsOrigins],
        allowedHeaders: [
          'content-type',
          'authorization',
          'x-request-id',
          'apollo-require-preflight',
          'apollographql-client-name',
          'apollographql-client-version',
        ],
        exposedHeaders: ['x-request-id'],
        maxAge: 600,
      }) as Step,
    );
  }
  steps.push(express.json({ limit: opts.bodyLimitBytes }) as Step);
  const answers = new AnswerBytes(opts.compressionThresholdBytes, opts.sharedAnswers ?? false);

  const execute = async (req: GraphQLRequest, res: ServerResponse): Promise<void> => {
    const headers = new HeaderMap();
    for (const key in req.headers) {
      const value = req.headers[key];
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const channel: IncrementalChannel | undefined = opts.incrementalDelivery
      ? { accepted: acceptsMultipart(req.headers.accept) }
      : undefined;
    // Apollo Server answers the initial payload as JSON: a client that takes only multipart still gets it.
    if (channel?.accepted && !jsonAccepted(req.headers.accept))
      headers.set('accept', `${req.headers.accept}, application/json`);
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: (req.method ?? 'GET').toUpperCase(),
        headers,
        search: q >= 0 ? url.slice(q) : '',
        body: req.body,
      },
      context: async () => {
        const context = await opts.context(req, res);
        return channel ? Object.assign(context, { incremental: channel }) : context;
      },
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    const later = channel?.subsequent;
    if (later && response.body.kind === 'complete' && res.statusCode === 200) {
      await sendParts(res, response.body.string, later);
      return;
    }
    // Refused after execution (the answer-size cap): the later parts are not sent.
    if (later) await later.return?.();
    if (response.body.kind === 'complete') {
      vary(res, 'Accept-Encoding');
      const sent = await answers.encode(response.body.string, encodingFor(req, res));
      if (sent.encoding) res.setHeader('content-encoding', sent.encoding);
      res.end(sent.body);
      return;
    }
    // Apollo Server's own incremental answers (no server here has them) go out uncompressed.
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };

  return (req, res) => {
    observeHttpRequest(opts.metrics, '/graphql', req, res);
    runSteps(steps, req, res, (err) => {
      if (err) sendFailure(err, res);
      else
        execute(req, res).catch((thrown: unknown) => {
          // Apollo Server answers its own errors: what lands here is the route's, a server fault.
          opts.log.error({ err: thrown }, 'the GraphQL route failed to answer');
          if (!res.headersSent) sendFailure(thrown, res);
          else res.destroy(thrown as Error);
        });
    });
  };
}
