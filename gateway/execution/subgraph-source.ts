import { STATUS_CODES } from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip } from 'node:zlib';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import { Agent, request } from 'undici';
import type { Registry } from 'prom-client';
import type { Config } from '../../shared/config';
import { errors } from '../../shared/errors';
import { Inflight } from '../sharing/inflight';
import { distinct, fanOut } from '../sharing/representations';
import { SubgraphTimeout } from './subgraph-timeout';

const brotli = promisify(brotliDecompress);
const gunzipped = promisify(gunzip);

/** What the gateway forwards from the caller's request to each subgraph. */
export interface ForwardedContext {
  authorization?: string;
  requestId?: string;
}

/** A subgraph's answer as sent, shared by identical in-flight fetches: each parses its own copy. */
export interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
}

export interface SubgraphSourceOptions {
  /** The subgraph's name, for errors. */
  name: string;
  /** The subgraph's GraphQL URL. */
  url: string;
  /** The keep-alive connection pool, one per gateway; see `subgraphAgent`. */
  agent: Agent;
  /** Sent as accept-encoding: `identity`, or `br, gzip` with SUBGRAPH_COMPRESSION. */
  acceptEncoding: string;
  /**
   * Shares identical in-flight queries: same URL, same body, same forwarded credentials (never
   * across tokens). Absent (DEDUPLICATE_REQUESTS=false), every fetch is sent.
   */
  inflight?: Inflight<RawAnswer>;
  /** SUBGRAPH_TIMEOUT_MS: the whole answer, headers and body, within it; a shared fetch's from its start. */
  timeout: SubgraphTimeout;
}

/** One keep-alive pool for a gateway's subgraph fetches; the gateway destroys it when it closes. */
export function subgraphAgent(): Agent {
  return new Agent({ keepAliveTimeout: 30_000, connections: 128 });
}

/** What every gateway→subgraph fetch shares: one keep-alive pool, SUBGRAPH_TIMEOUT_MS, in-flight sharing. */
export interface SubgraphFetching {
  agent: Agent;
  timeout: SubgraphTimeout;
  sourceFor(name: string, url: string): SubgraphSource;
}

/** @param onShared counts a fetch that shared an identical in-flight one (DEDUPLICATE_REQUESTS). */
export function subgraphFetching(
  config: Pick<Config, 'SUBGRAPH_TIMEOUT_MS' | 'SUBGRAPH_COMPRESSION' | 'DEDUPLICATE_REQUESTS'>,
  registry: Registry,
  onShared: () => void,
): SubgraphFetching {
  const agent = subgraphAgent();
  const timeout = new SubgraphTimeout(config.SUBGRAPH_TIMEOUT_MS, registry);
  const inflight = config.DEDUPLICATE_REQUESTS ? new Inflight<RawAnswer>(onShared) : undefined;
  const acceptEncoding = config.SUBGRAPH_COMPRESSION ? 'br, gzip' : 'identity';
  return {
    agent,
    timeout,
    sourceFor: (name, url) => new SubgraphSource({ name, url, agent, acceptEncoding, inflight, timeout }),
  };
}

/**
 * Fetches a subgraph's part of a query plan over undici's keep-alive pool, in place of Apollo's
 * default data source (make-fetch-happen, a node-fetch Request built per fetch whether used or not:
 * the largest cost in the gateway's profile, bench/RESULTS.md). Each distinct entity
 * representation is sent once and its answer fanned back out to every position that asked for it;
 * errors keep the positions they would have had. Apollo's cache-control hints from subgraph
 * headers are not read: Hiregraph sets no HTTP caching.
 */
export class SubgraphSource implements GraphQLDataSource<ForwardedContext> {
  constructor(private readonly options: SubgraphSourceOptions) {}

  async process(options: GraphQLDataSourceProcessOptions<ForwardedContext>): Promise<GatewayGraphQLResponse> {
    const { request: req } = options;
    if (!req.query) throw new Error('Missing query');
    const context = options.context as ForwardedContext;
    const representations: unknown = req.variables?.representations;
    const plan = Array.isArray(representations) ? distinct(representations) : undefined;
    // Only a plan that sends fewer representations than asked changes the request.
    const shrunk = plan && plan.unique.length < plan.index.length ? plan : undefined;
    const variables = shrunk ? { ...req.variables, representations: shrunk.unique } : req.variables;
    const body = JSON.stringify({
      query: req.query,
      variables,
      operationName: req.operationName,
      extensions: req.extensions,
    });
    const headers: Record<string, string> = {};
    if (req.http?.headers) for (const [name, value] of req.http.headers) headers[name] = value;
    headers['content-type'] = 'application/json';
    headers['accept-encoding'] = this.options.acceptEncoding;
    if (context.authorization) headers.authorization = context.authorization;
    const sharing = isQuery(req.query) ? this.options.inflight : undefined;
    // Keyed before the request id is added: it only correlates logs, and identical fetches that
    // share one carry the first's.
    const key = sharing && `${this.options.url}\n${JSON.stringify(headers)}\n${body}`;
    if (context.requestId) headers['x-request-id'] = context.requestId;
    const send = () => this.send(headers, body);
    const raw = sharing && key ? await sharing.run(key, send) : await send();
    const response = parseAnswer(this.options.url, raw);
    return shrunk ? fanOut(response, shrunk) : response;
  }

  private send(headers: Record<string, string>, body: string): Promise<RawAnswer> {
    const { name, url, agent, timeout } = this.options;
    return timeout.within(name, async (signal) => {
      const res = await request(url, { method: 'POST', headers, body, dispatcher: agent, signal }).catch(
        (err: Error & { code?: string }) => {
          // Said without the subgraph's address, which callers have no use for; marked as a subgraph's
          // error (serviceName, as Apollo marks the errors in subgraphs' answers), so production says less.
          const failure = errors.internal(`the ${name} subgraph could not be reached (${err.code ?? err.message})`);
          Object.assign(failure.extensions, { serviceName: name });
          throw failure;
        },
      );
      const encoding = res.headers['content-encoding'];
      const contentType = String(res.headers['content-type'] ?? '');
      if (encoding !== 'br' && encoding !== 'gzip')
        return { status: res.statusCode, contentType, text: await res.body.text() };
      const bytes = Buffer.from(await res.body.arrayBuffer());
      const text = (encoding === 'br' ? await brotli(bytes) : await gunzipped(bytes)).toString('utf8');
      return { status: res.statusCode, contentType, text };
    });
  }
}

/** Subgraph operations the query planner writes start with `query` or `{`; mutations are never shared. */
function isQuery(operation: string): boolean {
  return /^\s*(query\b|\{)/.test(operation);
}

function parseAnswer(url: string, raw: RawAnswer): GatewayGraphQLResponse {
  const json = /^application\/(graphql-response\+)?json/.test(raw.contentType);
  let body: unknown = raw.text;
  if (json) {
    try {
      body = JSON.parse(raw.text);
    } catch {
      // Reported below as what it is: not JSON.
    }
  }
  if (raw.status < 200 || raw.status > 299) {
    const statusText = STATUS_CODES[raw.status] ?? '';
    const code = raw.status === 401 ? 'UNAUTHENTICATED' : raw.status === 403 ? 'FORBIDDEN' : undefined;
    throw new GraphQLError(`${raw.status}: ${statusText}`, {
      extensions: { ...(code && { code }), response: { url, status: raw.status, statusText, body } },
    });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Error(`Expected JSON response body, but received: ${raw.text.slice(0, 500)}`);
  }
  return body as GatewayGraphQLResponse;
}
