import {
  DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES,
  Supergraph,
  operationFromDocument,
  type Schema,
} from '@apollo/federation-internals';
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
import type { IncrementalChannel, SubsequentPayload } from '../../../shared/graphql/incremental';
import { asGraphQLError, executeNode, rootCursor, type PlanRun } from './execute';
import { DeferredRun } from './incremental';
import { lazyData } from './lazy-data';
import { CompiledOperation, operationOf, type Shaped } from './operation';
import { OperationCache } from './operation-cache';
import { OverrideLabels } from './overrides';
import { fixPlan } from './plan-fixes';
import { planningSupergraph } from './planning-supergraph';
import { hasDefer } from './subselection';
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
  /**
   * The plan of an operation: Apollo's planner over the planning supergraph, its plan fixed
   * (plan-fixes.ts). `deferred`: with its Defer nodes, by the planner with @defer support (made on
   * first use, for operations that use @defer only: operations without it keep the plain
   * planner's plans exactly). `overrides`: the progressive-override labels that are on.
   */
  plan(
    document: DocumentNode,
    operationName: string | undefined,
    options?: { deferred?: boolean; overrides?: ReadonlyMap<string, boolean> },
  ): QueryPlan;
  /** The subgraphs the supergraph names, with the URLs written in it. */
  subgraphs: readonly { name: string; url: string }[];
  /** The progressive-override labels its `@override(label:)`s use. */
  overrideLabels: readonly string[];
}

/**
 * The features a supergraph may link `for: SECURITY` or `for: EXECUTION`: Apollo's defaults (what
 * @apollo/gateway runs), and `@context`/`@fromContext`, which this executor resolves (context.ts).
 * Others (@authenticated, @requiresScopes, @policy) stay refused: nothing here would enforce them.
 */
const SUPPORTED_FEATURES = new Set([...DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES, 'https://specs.apollo.dev/context/v0.1']);

export function federatedGraph(supergraphSdl: string): FederatedGraph {
  const supergraph = Supergraph.build(supergraphSdl, { supportedFeatures: SUPPORTED_FEATURES });
  const apiSchema = supergraph.apiSchema();
  const planning = planningSupergraph(supergraphSdl);
  const planned =
    planning.sdl === supergraphSdl
      ? supergraph
      : Supergraph.build(planning.sdl, { supportedFeatures: SUPPORTED_FEATURES });
  const planner = new QueryPlanner(planned);
  let deferPlanner: QueryPlanner | undefined;
  const planningApi = planned === supergraph ? apiSchema : planned.apiSchema();
  return {
    supergraphSdl,
    apiSchema,
    // With @defer declared, so operations using it pass validation (and introspection shows it).
    schema: apiSchema.toGraphQLJSSchema({ includeDefer: true }),
    supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
    plan(document, operationName, options = {}) {
      const operation = operationFromDocument(planningApi, document, { operationName });
      const by = options.deferred
        ? (deferPlanner ??= new QueryPlanner(planned, { incrementalDelivery: { enableDefer: true } }))
        : planner;
      const plan = by.buildQueryPlan(
        operation,
        options.overrides && { overrideConditions: new Map(options.overrides) },
      );
      assertRootFieldsPlanned(plan, document, operationName);
      return fixPlan(plan, planning);
    },
    subgraphs: supergraph.subgraphsMetadata(),
    overrideLabels: OverrideLabels.namesIn(supergraph),
  };
}

/**
 * Hiregraph's plan executor: Apollo's query planner plans each operation once; the plan runs
 * through the subgraphs' data sources and the merged answer is shaped by code made once for the
 * operation (operation.ts, shape.ts). Answers and errors are those of `@apollo/gateway`'s executor
 * (test/unit/plan-executor.test.ts and test/e2e/plan-executor.test.ts hold them to it), without
 * its per-request rebuilding of the operation and its per-value schema lookups. Beyond it,
 * contextual arguments (@fromContext), which Apollo's executor leaves unset, are resolved from the
 * answer (context.ts), and progressive override labels are drawn per request (overrides.ts).
 */
export class PlanExecutor {
  private readonly operations = new OperationCache<CompiledOperation>(OPERATION_CACHE_SIZE);

  constructor(readonly graph: FederatedGraph) {}

  /** The operation compiled, found by document first (servers' document caches hand the same one for a text). */
  compile(document: DocumentNode, operationName: string | undefined, text?: string): CompiledOperation {
    return this.operations.get(document, operationName, text === undefined ? undefined : () => text, () => {
      operationOf(document, operationName);
      const { graph } = this;
      // The plain planner leaves every @defer out: that plan answers clients that take no incremental answers.
      const plan = graph.plan(document, operationName);
      const deferPlan = hasDefer(document) ? graph.plan(document, operationName, { deferred: true }) : undefined;
      return new CompiledOperation(graph.schema, document, operationName, plan, {
        deferPlan,
        replan: (overrides, deferred) => graph.plan(document, operationName, { deferred, overrides }),
      });
    });
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
    /** Shape the answer straight into its JSON text (lazy-data.ts); default: into objects. */
    as: 'objects' | 'text' = 'objects',
  ): Promise<GatewayExecutionResult> {
    const run: PlanRun = { ...this.base(operation, services, request), errors: [] };
    const { variables } = run;
    const data: Record<string, unknown> = {};
    await executePlan(run, plan, data);
    if (as === 'objects') return answer(() => operation.shape(data, variables), run.errors);
    return answer(() => {
      const { json, errors } = operation.shapeJson(data, variables);
      return { data: lazyData(json), errors };
    }, run.errors);
  }

  /** What every fetch of a run reads: the services, the supergraph, the request and its variables, conditions. */
  private base(operation: CompiledOperation, services: ServiceMap, request: GatewayGraphQLRequestContext) {
    const variables = request.request.variables ?? {};
    return {
      services,
      supergraph: this.graph.supergraphSchema,
      request,
      variables,
      condition: (name: string) => operation.condition(variables, name),
    };
  }

  /**
   * Runs an operation with its Defer nodes (its deferPlan; else as `run`): the initial result once
   * the primary part is done, shaped to the primary's subselection, and the later payloads in
   * `subsequent`, each part shaped to its own. No Defer node reached (`@defer(if: $no)`): one answer.
   */
  async runIncremental(
    operation: CompiledOperation,
    plan: QueryPlan,
    services: ServiceMap,
    request: GatewayGraphQLRequestContext,
  ): Promise<{ result: GatewayExecutionResult; subsequent?: AsyncIterableIterator<SubsequentPayload> }> {
    const base = this.base(operation, services, request);
    const { variables } = base;
    const data: Record<string, unknown> = {};
    const parts = new DeferredRun(base, operation, data);
    const run = parts.runOf(parts.root);
    await executePlan(run, plan, data);
    if (!parts.deferred) return { result: answer(() => operation.shape(data, variables), run.errors) };
    const result = answer(() => operation.shapePart(parts.root.subselection, [], data, [], variables), run.errors);
    parts.initialSent(result.data ?? null);
    // Nothing to add the parts to (a non-null root field was null): the answer ends here.
    if (!result.data) {
      await parts.payloads.return();
      return { result };
    }
    return { result, subsequent: parts.payloads };
  }
}

/** Runs `plan` into `data` (a subscription's plan runs per event, never here). */
async function executePlan(run: PlanRun, plan: QueryPlan, data: Record<string, unknown>): Promise<void> {
  if (plan.node?.kind === 'Subscription') throw new Error('Execution of subscriptions not supported by gateway');
  if (plan.node) await executeNode(run, plan.node, rootCursor(data));
}

/**
 * A run's result as Apollo's gateway gives it: fetch errors in `errors`; errors found only while
 * shaping in `extensions.valueCompletion`.
 */
function answer(shape: () => Shaped, errors: GraphQLError[]): GatewayExecutionResult {
  let shaped;
  try {
    shaped = shape();
  } catch (err) {
    return { errors: [asGraphQLError(err)] };
  }
  if (errors.length === 0 && shaped.errors.length > 0)
    return { data: shaped.data, extensions: { valueCompletion: shaped.errors } };
  return errors.length === 0 ? { data: shaped.data } : { errors, data: shaped.data };
}

/**
 * One request through the plan executor, as both transports run queries: its variables checked
 * against the API schema, its operation compiled (once per document), override labels drawn, then
 * the plan with its @defers when the client takes `incremental` answers (the initial result and
 * the later parts) and without them otherwise (one answer, shaped `as` given).
 */
export async function executeRequest(
  executor: PlanExecutor,
  services: ServiceMap,
  overrides: OverrideLabels,
  request: GatewayGraphQLRequestContext,
  opts: { incremental: boolean; as: 'text' | 'objects' },
): Promise<{ result: GatewayExecutionResult; subsequent?: AsyncIterableIterator<SubsequentPayload> }> {
  const { errors } = getVariableValues(
    executor.graph.schema,
    request.operation.variableDefinitions ?? [],
    request.request.variables ?? {},
  );
  if (errors?.length) return { result: { errors } };
  const operation = executor.compile(request.document, request.request.operationName, request.source);
  const drawn = overrides.draw();
  if (!operation.deferPlan || !opts.incremental)
    return { result: await executor.run(operation, operation.planFor(drawn), services, request, opts.as) };
  return executor.runIncremental(operation, operation.planFor(drawn, true), services, request);
}

/**
 * Apollo Server's gateway interface over the plan executor, for a supergraph given once; each
 * request planned with the override labels `overrides` draws for it.
 */
export function planExecutingGateway(
  executor: PlanExecutor,
  services: () => ServiceMap,
  overrides: OverrideLabels,
): GatewayInterface {
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
          const channel = (request.context as { incremental?: IncrementalChannel }).incremental;
          // A client that takes no incremental answers (HTTP without multipart in its Accept) gets the
          // whole answer at once, as the plan without its @defers gives it: the spec lets a server
          // ignore @defer, and a curl or an IDE without multipart still gets its data.
          const { result, subsequent } = await executeRequest(executor, services(), overrides, request, {
            incremental: channel?.accepted ?? false,
            as: 'text',
          });
          if (subsequent) channel!.subsequent = subsequent;
          return result;
        },
      };
    },
    async stop() {
      listeners.clear();
    },
  };
}
