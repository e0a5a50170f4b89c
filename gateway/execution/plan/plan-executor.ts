import { Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import type { ServiceMap } from '@apollo/gateway';
import { QueryPlanner, type QueryPlan } from '@apollo/query-planner';
import type {
  GatewayExecutionResult,
  GatewayGraphQLRequestContext,
  GatewayInterface,
  GatewaySchemaLoadOrUpdateCallback,
} from '@apollo/server-gateway-interface';
import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { LRUCache } from 'lru-cache';
import { executeNode, rootCursor, type PlanRun } from './execute';
import { CompiledOperation, operationOf } from './operation';
import { fixPlan } from './plan-fixes';
import { planningSupergraph } from './planning-supergraph';
import { assertRootFieldsPlanned } from './unplanned';

/** Operations kept compiled (plan and shaping) by text, beyond those found by document. */
const OPERATION_CACHE_SIZE = 1000;

/** The supergraph once, as every part of the gateway reads it. */
export interface FederatedGraph {
  supergraphSdl: string;
  /** The API schema (what clients see), in federation's model, for planning. */
  apiSchema: Schema;
  /** The API schema as graphql-js: validation, introspection, shaping. */
  schema: GraphQLSchema;
  /** The whole supergraph as graphql-js: type conditions of fetches. */
  supergraphSchema: GraphQLSchema;
  planner: QueryPlanner;
  /** The plan of an operation: Apollo's planner over the planning supergraph, its plan fixed (plan-fixes.ts). */
  plan(document: DocumentNode, operationName: string | undefined): QueryPlan;
  /** The subgraphs the supergraph names, with the URLs written in it. */
  subgraphs: readonly { name: string; url: string }[];
}

export function federatedGraph(supergraphSdl: string): FederatedGraph {
  const supergraph = Supergraph.build(supergraphSdl);
  const apiSchema = supergraph.apiSchema();
  const planning = planningSupergraph(supergraphSdl);
  const planned = planning.sdl === supergraphSdl ? supergraph : Supergraph.build(planning.sdl);
  const planner = new QueryPlanner(planned);
  const planningApi = planned === supergraph ? apiSchema : planned.apiSchema();
  return {
    supergraphSdl,
    apiSchema,
    schema: apiSchema.toGraphQLJSSchema(),
    supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
    planner,
    plan(document, operationName) {
      const operation = operationFromDocument(planningApi, document, { operationName });
      const plan = planner.buildQueryPlan(operation);
      assertRootFieldsPlanned(plan, document, operationName);
      return fixPlan(plan, planning);
    },
    subgraphs: supergraph.subgraphsMetadata(),
  };
}

/**
 * Hiregraph's plan executor: Apollo's query planner plans each operation once; the plan runs
 * through the subgraphs' data sources and the merged answer is shaped by code made once for the
 * operation (operation.ts, shape.ts). Answers and errors are those of `@apollo/gateway`'s executor
 * (test/integration/plan-executor.test.ts holds them to it), without its per-request rebuilding of
 * the operation and its per-value schema lookups.
 */
export class PlanExecutor {
  private readonly byDocument = new WeakMap<DocumentNode, Map<string, CompiledOperation>>();
  private readonly byText = new LRUCache<string, CompiledOperation>({ max: OPERATION_CACHE_SIZE });

  constructor(readonly graph: FederatedGraph) {}

  /** The operation compiled, found by document first (servers' document caches hand the same one for a text). */
  compile(document: DocumentNode, operationName: string | undefined, text?: string): CompiledOperation {
    const name = operationName ?? '';
    const seen = this.byDocument.get(document)?.get(name);
    if (seen) return seen;
    const key = text === undefined ? undefined : `${name}\n${text}`;
    let compiled = key === undefined ? undefined : this.byText.get(key);
    if (!compiled) {
      operationOf(document, operationName);
      const plan = this.graph.plan(document, operationName);
      compiled = new CompiledOperation(this.graph.schema, document, operationName, plan);
      if (key !== undefined) this.byText.set(key, compiled);
    }
    const names = this.byDocument.get(document) ?? new Map<string, CompiledOperation>();
    this.byDocument.set(document, names.set(name, compiled));
    return compiled;
  }

  /**
   * Runs `plan` (the operation's own, or a subscription event's) and shapes its answer. Fetch
   * errors go in `errors`; errors found only while shaping go in `extensions.valueCompletion`, as
   * Apollo's gateway reports them.
   */
  async run(
    operation: CompiledOperation,
    plan: QueryPlan,
    services: ServiceMap,
    request: GatewayGraphQLRequestContext,
  ): Promise<GatewayExecutionResult> {
    const variables = request.request.variables ?? {};
    const run: PlanRun = {
      services,
      supergraph: this.graph.supergraphSchema,
      request,
      variables,
      condition: (name) => operation.condition(variables, name),
      errors: [],
    };
    const data: Record<string, unknown> = {};
    if (plan.node?.kind === 'Subscription') throw new Error('Execution of subscriptions not supported by gateway');
    if (plan.node) await executeNode(run, plan.node, rootCursor(data));
    let shaped;
    try {
      shaped = operation.shape(data, variables);
    } catch (err) {
      if (err instanceof GraphQLError) return { errors: [err] };
      return { errors: [new GraphQLError((err as Error).message, { originalError: err as Error })] };
    }
    if (run.errors.length === 0 && shaped.errors.length > 0)
      return { data: shaped.data, extensions: { valueCompletion: shaped.errors } };
    return run.errors.length === 0 ? { data: shaped.data } : { errors: run.errors, data: shaped.data };
  }
}

/** Apollo Server's gateway interface over the plan executor, for a supergraph given once. */
export function planExecutingGateway(executor: PlanExecutor, services: () => ServiceMap): GatewayInterface {
  const listeners = new Set<GatewaySchemaLoadOrUpdateCallback>();
  const { graph } = executor;
  return {
    onSchemaLoadOrUpdate(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    async load() {
      for (const listen of listeners) listen({ apiSchema: graph.schema, coreSupergraphSdl: graph.supergraphSdl });
      return {
        executor: async (request) => {
          const definition = request.operation;
          const { errors } = getVariableValues(
            graph.schema,
            definition.variableDefinitions ?? [],
            request.request.variables ?? {},
          );
          if (errors?.length) return { errors };
          const operation = executor.compile(request.document, request.request.operationName, request.source);
          return executor.run(operation, operation.plan, services(), request);
        },
      };
    },
    async stop() {
      listeners.clear();
    },
  };
}
