import { Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import {
  QueryPlanner,
  type FetchNode,
  type PlanNode,
  type QueryPlan,
  type SubscriptionNode,
} from '@apollo/query-planner';
import {
  GraphQLError,
  print,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../shared/logger';
import type { GatewayContext } from '../context';
import { boundedUpstream } from './push-iterator';
import { SharedStream } from './shared-stream';
import type { Upstream } from './upstream-pool';

/** What the executor needs of the caller's connection: its token and an upstream client per subgraph. */
export interface SubscriptionCaller {
  requestId: string;
  authorization: string | undefined;
  /**
   * Callers with the same key see the same data (same tenant, read access), so identical live-only
   * subscriptions may share one upstream stream. Undefined: never shared.
   */
  shareKey?: string;
  /**
   * A graphql-ws client to a subgraph for this caller: its tenant's shared socket when it has a
   * share key, else its connection's own. Each subscribe on it carries the caller's token.
   */
  upstream(serviceName: string): Upstream;
}

const PRIMARY = '__subscription_event';
const PLAN_CACHE_SIZE = 500;
/**
 * Subscription fields that, called without arguments, only stream live events, so late joiners
 * can share a stream (with `after`, each subscriber has its own backlog).
 */
const LIVE_ONLY = new Set(['assessmentEvents']);

/** Whether a subgraph subscription operation is a live-only field called without arguments. */
function liveOnly(operation: string): boolean {
  const m = /\{\s*(?:\w+\s*:\s*)?(\w+)\s*(\()?/.exec(operation);
  return !!m && LIVE_ONLY.has(m[1]!) && !m[2];
}

/**
 * Federated subscriptions. Apollo's query planner plans the operation: for a subscription it gives
 * a primary fetch to the subgraph that owns the field and the rest as fetches to other subgraphs.
 * The primary runs over graphql-ws on that subgraph; each event it yields becomes the result of a
 * fetch in a one-off query plan (event, then the rest), which the gateway's own plan executor runs
 * through `_entities` of the other subgraphs and shapes to the client's selection.
 */
export interface SubscriptionExecutorOptions {
  /** The composed supergraph, planned against. Required. */
  supergraphSdl: string;
  /** The subgraphs' data sources, for `_entities` fetches. Required. */
  services: ServiceMap;
  /** Where upstream failures are logged. Required. */
  log: Logger;
  /** Events one subscription may have waiting at the gateway (SUBSCRIPTION_MAX_QUEUED_EVENTS); default 1000. */
  maxQueued?: number;
}

export class SubscriptionExecutor {
  private readonly apiSchema: Schema;
  readonly schema: GraphQLSchema;
  private readonly supergraphSchema: GraphQLSchema;
  private readonly planner: QueryPlanner;
  private readonly plans = new LRUCache<string, SubscriptionNode>({ max: PLAN_CACHE_SIZE });
  private readonly shared = new Map<string, SharedStream>();

  private readonly services: ServiceMap;
  private readonly log: Logger;
  private readonly maxQueued: number;

  constructor(opts: SubscriptionExecutorOptions) {
    const { supergraphSdl } = opts;
    this.services = opts.services;
    this.log = opts.log;
    this.maxQueued = opts.maxQueued ?? 1000;
    const supergraph = Supergraph.build(supergraphSdl);
    this.apiSchema = supergraph.apiSchema();
    this.schema = this.apiSchema.toGraphQLJSSchema();
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(supergraph);
  }

  /** Plans an operation (cached by its text: dashboards open the same subscription many times). */
  plan(document: DocumentNode, operationName: string | undefined): SubscriptionNode {
    const key = `${operationName ?? ''}\n${print(document)}`;
    const cached = this.plans.get(key);
    if (cached) return cached;
    const operation = operationFromDocument(this.apiSchema, document, { operationName });
    const plan = this.planner.buildQueryPlan(operation);
    if (plan.node?.kind !== 'Subscription')
      throw new GraphQLError('expected a subscription operation', { extensions: { code: 'BAD_USER_INPUT' } });
    this.plans.set(key, plan.node);
    return plan.node;
  }

  /**
   * Runs a subscription. Live-only ones (no per-subscriber snapshot or replay) with the same text,
   * variables and share key share one upstream stream and one plan execution per event. The
   * iterator's return() closes the upstream at once, even between events.
   */
  subscribe(
    caller: SubscriptionCaller,
    document: DocumentNode,
    variables: Record<string, unknown>,
    operationName: string | undefined,
  ): AsyncIterableIterator<ExecutionResult> {
    const node = this.plan(document, operationName);
    const live = liveOnly(node.primary.operation);
    if (!caller.shareKey || !live) {
      let upstream: AsyncIterator<unknown> | undefined;
      const lent = caller.upstream(node.primary.serviceName);
      const gen = this.stream(caller, lent, node, document, variables, operationName, (it) => {
        upstream = it;
      });
      return {
        next: () => gen.next(),
        return: async () => {
          await upstream?.return?.(undefined);
          // A generator returned before its first next() never runs its finally.
          lent.release();
          return gen.return(undefined);
        },
        throw: (err: unknown) => gen.throw(err),
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    }
    const key = `${caller.shareKey}\n${operationName ?? ''}\n${print(document)}\n${JSON.stringify(variables)}`;
    let shared = this.shared.get(key);
    if (!shared) {
      const lent = caller.upstream(node.primary.serviceName);
      // Entity fetches of a shared stream go with a current subscriber's token, not the opener's
      // (the opener's until the stream exists: it starts reading inside its own constructor).
      const made: { stream?: SharedStream } = {};
      const current: SubscriptionCaller = {
        ...caller,
        get authorization() {
          return made.stream?.authorization() ?? caller.authorization;
        },
      };
      const created = new SharedStream({
        source: this.stream(current, lent, node, document, variables, operationName),
        stop: () => lent.release(),
        onIdle: () => {
          if (this.shared.get(key) === made.stream) this.shared.delete(key);
        },
        maxQueued: this.maxQueued,
      });
      made.stream = shared = created;
      this.shared.set(key, created);
    }
    return shared.join(caller.authorization);
  }

  /** Upstream streams currently shared (for tests and metrics). */
  get sharedStreams(): number {
    return this.shared.size;
  }

  /** Runs the plan for each event of the primary subscription; releases `lent` when it ends. */
  private async *stream(
    caller: SubscriptionCaller,
    lent: Upstream,
    node: SubscriptionNode,
    document: DocumentNode,
    variables: Record<string, unknown>,
    operationName: string | undefined,
    onUpstream?: (it: AsyncIterator<unknown>) => void,
  ): AsyncGenerator<ExecutionResult> {
    const primary = node.primary;
    const primaryVars = Object.fromEntries(
      (primary.variableUsages ?? []).filter((v) => v in variables).map((v) => [v, variables[v]]),
    );
    const operationContext = buildOperationContext({ schema: this.schema, operationDocument: document, operationName });
    // The subgraph runs the operation as this caller (token and request id per subscribe), since
    // the socket may be its tenant's, shared with other callers.
    const upstream = boundedUpstream(
      lent.client,
      {
        query: primary.operation,
        variables: primaryVars,
        operationName: primary.operationName,
        extensions: { authorization: caller.authorization, 'x-request-id': caller.requestId },
      },
      this.maxQueued,
    );
    onUpstream?.(upstream);
    const eventFetch: FetchNode = {
      ...primary,
      serviceName: PRIMARY,
      operationKind: 'query' as FetchNode['operationKind'],
    };
    const root: PlanNode = node.rest ? { kind: 'Sequence', nodes: [eventFetch, node.rest] } : eventFetch;
    const plan: QueryPlan = { kind: 'QueryPlan', node: root };
    try {
      for await (const event of upstream) {
        if (!event.data) {
          yield { errors: toErrors(event.errors) };
          continue;
        }
        const source: GraphQLDataSource = {
          process: async () => ({ data: event.data as Record<string, unknown>, errors: event.errors }),
        };
        // executeQueryPlan reads only these of a request's context (there is no Apollo Server
        // request here to take the rest from): what the plan's fetches forward, and the logger.
        const context: GatewayContext = {
          requestId: caller.requestId,
          authorization: caller.authorization,
          principal: null,
        };
        const given: Partial<GatewayGraphQLRequestContext<GatewayContext>> = {
          request: { query: primary.operation, variables, operationName },
          context,
          logger: this.log,
          metrics: {},
        };
        const result = await executeQueryPlan(
          plan,
          { ...this.services, [PRIMARY]: source },
          given as GatewayGraphQLRequestContext<GatewayContext>,
          operationContext,
          this.supergraphSchema,
          this.apiSchema,
        );
        yield { data: result.data, errors: result.errors, extensions: result.extensions };
      }
    } finally {
      await upstream.return();
      lent.release();
    }
  }
}

/** The subgraph's errors (JSON from graphql-ws) as GraphQLErrors, codes kept. */
function toErrors(list: readonly unknown[] | undefined): GraphQLError[] {
  return (list ?? []).map((e) => {
    const f = e as GraphQLFormattedError;
    return new GraphQLError(f.message ?? String(e), { path: f.path, extensions: f.extensions });
  });
}
