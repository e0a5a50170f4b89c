import { Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlan, type SubscriptionNode } from '@apollo/query-planner';
import { GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { Client } from 'graphql-ws';
import type { Logger } from '../shared/logger';

/** What the executor needs of the caller's connection: its token and an upstream client per subgraph. */
export interface SubscriptionCaller {
  requestId: string;
  authorization: string | undefined;
  /** The graphql-ws client to a subgraph for this connection. */
  upstream(serviceName: string): Client;
}

const PRIMARY = '__subscription_event';

/**
 * Federated subscriptions. Apollo's query planner plans the operation: for a subscription it gives
 * a primary fetch to the subgraph that owns the field and the rest as fetches to other subgraphs.
 * The primary runs over graphql-ws on that subgraph; each event it yields becomes the result of a
 * fetch in a one-off query plan (event, then the rest), which the gateway's own plan executor runs
 * through `_entities` of the other subgraphs and shapes to the client's selection.
 */
export class SubscriptionExecutor {
  private readonly apiSchema: Schema;
  readonly schema: GraphQLSchema;
  private readonly supergraphSchema: GraphQLSchema;
  private readonly planner: QueryPlanner;

  constructor(supergraphSdl: string, private readonly services: ServiceMap, private readonly log: Logger) {
    const supergraph = Supergraph.build(supergraphSdl);
    this.apiSchema = supergraph.apiSchema();
    this.schema = this.apiSchema.toGraphQLJSSchema();
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(supergraph);
  }

  /** Plans an operation; planning errors come back as GraphQL errors. */
  plan(document: DocumentNode, operationName: string | undefined): SubscriptionNode {
    const operation = operationFromDocument(this.apiSchema, document, { operationName });
    const plan = this.planner.buildQueryPlan(operation);
    if (plan.node?.kind !== 'Subscription') throw new GraphQLError('expected a subscription operation', { extensions: { code: 'BAD_USER_INPUT' } });
    return plan.node;
  }

  async *subscribe(caller: SubscriptionCaller, document: DocumentNode, variables: Record<string, unknown>, operationName: string | undefined): AsyncGenerator<ExecutionResult> {
    const node = this.plan(document, operationName);
    const primary = node.primary;
    const primaryVars = Object.fromEntries((primary.variableUsages ?? []).filter((v) => v in variables).map((v) => [v, variables[v]]));
    const operationContext = buildOperationContext({ schema: this.schema, operationDocument: document, operationName });
    const upstream = caller.upstream(primary.serviceName).iterate({ query: primary.operation, variables: primaryVars, operationName: primary.operationName });
    const eventFetch: FetchNode = { ...primary, serviceName: PRIMARY, operationKind: 'query' as FetchNode['operationKind'] };
    const root: PlanNode = node.rest ? { kind: 'Sequence', nodes: [eventFetch, node.rest] } : eventFetch;
    const plan: QueryPlan = { kind: 'QueryPlan', node: root };
    try {
      for await (const event of (async function* guarded() {
        try {
          yield* upstream;
        } catch (err) {
          // graphql-ws rejects with the subgraph's error list: pass it on with its codes.
          if (Array.isArray(err)) yield { errors: err } as { data?: undefined; errors: unknown[] };
          else throw err;
        }
      })()) {
        if (!event.data) {
          yield { errors: toErrors(event.errors) };
          continue;
        }
        const source: GraphQLDataSource = { process: async () => ({ data: event.data as Record<string, unknown>, errors: event.errors as never }) };
        const requestContext = {
          request: { query: primary.operation, variables, operationName },
          context: { requestId: caller.requestId, authorization: caller.authorization, principal: null },
          logger: this.log,
          metrics: {},
          cache: undefined,
        };
        const result = await executeQueryPlan(plan, { ...this.services, [PRIMARY]: source }, requestContext as never, operationContext, this.supergraphSchema, this.apiSchema);
        yield { data: result.data, errors: result.errors, extensions: result.extensions };
      }
    } finally {
      await upstream.return?.(undefined);
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
