import type { GraphQLDataSourceProcessOptions, ServiceMap } from '@apollo/gateway';
import type { DeferNode, FetchNode, PlanNode, QueryPlanSelectionNode } from '@apollo/query-planner';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { contextGroups, contextVariables, type Path } from './context';
import { downstream, entityPaths, errorPaths } from './error-paths';
import { applyRewrites, isObjectOfType } from './rewrites';
import * as shape from './shape';

const tracer = trace.getTracer('hiregraph-gateway');
// Read once: under tsx each use of an imported binding is a getter call, and merging reads every key.
const { own } = shape;

/** One execution of a query plan: where its fetches go and what they send. */
export interface PlanRun {
  services: ServiceMap;
  /** The supergraph as graphql-js, for type conditions in `requires` and rewrites. */
  supergraph: GraphQLSchema;
  /** Handed to each data source as the incoming request (its context carries the caller's token). */
  request: GatewayGraphQLRequestContext;
  /** The request's variables as sent; each fetch takes the ones it uses. */
  variables: Readonly<Record<string, unknown>>;
  /** A Condition node's value (@skip/@include at the plan's level). */
  condition(variable: string): boolean;
  /** Every fetch's errors, with paths in the client's answer. */
  errors: GraphQLError[];
  /** Told when a fetch with an id (one a deferred part may wait for) has run, whatever its outcome. */
  fetched?(id: string): void;
  /**
   * Takes a Defer node's deferred parts, to run once what they depend on is done (incremental.ts);
   * absent, @defer is refused (a plan from the planner without defer support has none).
   */
  defer?(node: DeferNode, cursor: Cursor): void;
}

export type { Path };
export interface Cursor {
  path: Path;
  data: unknown;
  full: Record<string, unknown>;
}

/**
 * Runs a query plan's nodes into `data`: sequences in order, parallel nodes together, each fetch
 * merged where its Flatten path points. A failed fetch records its error and leaves its fields
 * unset; the rest of the plan goes on, as Apollo's gateway does.
 */
export async function executeNode(run: PlanRun, node: PlanNode, cursor: Cursor): Promise<void> {
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executeNode(run, child, cursor);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => executeNode(run, child, cursor)));
      return;
    case 'Flatten': {
      const data = flatten(cursor.data, node.path);
      if (data) await executeNode(run, node.node, { path: [...cursor.path, ...node.path], data, full: cursor.full });
      return;
    }
    case 'Fetch':
      try {
        await fetch(run, node, cursor);
      } catch (err) {
        run.errors.push(asGraphQLError(err));
      }
      if (node.id !== undefined) run.fetched?.(node.id);
      return;
    case 'Condition': {
      const branch = run.condition(node.condition) ? node.ifClause : node.elseClause;
      if (branch) await executeNode(run, branch, cursor);
      return;
    }
    case 'Defer':
      if (!run.defer)
        throw new GraphQLError('@defer is not supported by this gateway', { extensions: { code: 'BAD_USER_INPUT' } });
      // The deferred parts first: one that depends on nothing starts beside the primary.
      run.defer(node, cursor);
      if (node.primary.node) await executeNode(run, node.primary.node, cursor);
      return;
  }
}

export function rootCursor(data: Record<string, unknown>): Cursor {
  return { path: [], data, full: data };
}

/** A thrown value as the GraphQL error it reports (an Error's message, the error kept as the original). */
export function asGraphQLError(err: unknown): GraphQLError {
  return err instanceof GraphQLError ? err : new GraphQLError((err as Error).message, { originalError: err as Error });
}

async function fetch(run: PlanRun, node: FetchNode, cursor: Cursor): Promise<void> {
  const service = run.services[node.serviceName];
  if (!service) throw new Error(`Couldn't find service with name "${node.serviceName}"`);
  const contextual = contextVariables(node.contextRewrites);
  const variables: Record<string, unknown> = {};
  for (const name of node.variableUsages ?? []) {
    // A contextual argument's value is the answer's (context.ts), never the client's.
    if (contextual.has(name)) continue;
    const value = own(run.variables as Record<string, unknown>, name);
    if (value !== undefined) variables[name] = value;
  }
  if (contextual.size > 0) return fetchPerContext(run, node, cursor, variables);
  const entities = Array.isArray(cursor.data)
    ? cursor.data.filter((e) => e !== null && e !== undefined)
    : [cursor.data];
  if (entities.length === 0) return;
  await fetchEntities(run, node, cursor, entities, variables, run.errors);
}

/**
 * A fetch with contextual arguments (@fromContext): its entities grouped by the values their
 * contexts give, each group sent as a fetch of its own with those values as variables, the groups
 * at once. Apollo Router instead sends one request that aliases `_entities` once per entity, each
 * alias with every representation (and, as of its issue #8449, fails to merge that answer).
 * Separate fetches keep the planner's operation as written, let the subgraph source send each
 * representation once within a group, and never hand an entity another's context, at the price
 * of one request per distinct set of values. Errors are reported in the groups' order, whichever
 * answers first.
 */
async function fetchPerContext(
  run: PlanRun,
  node: FetchNode,
  cursor: Cursor,
  variables: Record<string, unknown>,
): Promise<void> {
  const groups = contextGroups(run.supergraph, node.contextRewrites!, cursor.full, cursor.path);
  const reported = await Promise.all(
    groups.map(async (group) => {
      const errors: GraphQLError[] = [];
      const values = { ...variables, ...group.variables };
      await fetchEntities(run, node, cursor, group.entities, values, errors, group.paths).catch((err: unknown) =>
        errors.push(asGraphQLError(err)),
      );
      return errors;
    }),
  );
  for (const errors of reported) run.errors.push(...errors);
}

/**
 * Sends one fetch for `entities` and merges its answer into them; the subgraph's errors go to
 * `errors`. With `paths` (each entity's position), an entity's error gets that entity's path;
 * without, the path Apollo's gateway gives it (by representation index among all positions).
 */
async function fetchEntities(
  run: PlanRun,
  node: FetchNode,
  cursor: Cursor,
  entities: unknown[],
  variables: Record<string, unknown>,
  errors: GraphQLError[],
  paths?: Path[],
): Promise<void> {
  if (!node.requires) {
    const data = await send(run, node, cursor, variables, errors, errorPaths(node, cursor));
    if (data) applyRewrites(run.supergraph, node.outputRewrites, data);
    for (const entity of entities) merge(entity as Record<string, unknown>, data);
    return;
  }
  const representations: Record<string, unknown>[] = [];
  const positions: number[] = [];
  for (let i = 0; i < entities.length; i++) {
    const representation = select(run.supergraph, entities[i], node.requires);
    if (representation && representation.__typename) {
      applyRewrites(run.supergraph, node.inputRewrites, representation);
      representations.push(representation);
      positions.push(i);
    }
  }
  if (representations.length === 0) return;
  if ('representations' in variables) throw new Error('Variables cannot contain key "representations"');
  const pathOf = paths ? entityPaths(node, cursor, paths, positions) : errorPaths(node, cursor);
  const data = await send(run, node, cursor, { ...variables, representations }, errors, pathOf);
  if (!data) return;
  const received = data._entities;
  if (!Array.isArray(received)) throw new Error('Expected "data._entities" in response to be an array');
  if (received.length !== representations.length)
    throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
  for (let i = 0; i < received.length; i++) {
    const entity = received[i] as Record<string, unknown> | null;
    const existing = entities[positions[i]!] as Record<string, unknown>;
    if (entity && !entity.__typename) entity.__typename = existing.__typename;
    applyRewrites(run.supergraph, node.outputRewrites, entity);
    merge(existing, entity);
  }
}

async function send(
  run: PlanRun,
  node: FetchNode,
  cursor: Cursor,
  variables: Record<string, unknown>,
  errors: GraphQLError[],
  pathOf: (path: readonly (string | number)[] | undefined) => Path | undefined,
): Promise<Record<string, unknown> | null | undefined> {
  return tracer.startActiveSpan('gateway.fetch', { attributes: { service: node.serviceName } }, async (span) => {
    try {
      const response = await run.services[node.serviceName]!.process({
        // The enum's value: @apollo/gateway does not export the enum from its entry point.
        kind: 'incoming operation' as GraphQLDataSourceProcessOptions['kind'] & 'incoming operation',
        request: { query: node.operation, variables, operationName: node.operationName },
        incomingRequestContext: run.request,
        context: run.request.context,
        document: node.operationDocumentNode,
        pathInIncomingRequest: cursor.path,
      });
      if (response.errors)
        for (const error of response.errors) errors.push(downstream(error, node.serviceName, pathOf));
      return response.data;
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The values at a plan path (`@` for each element of a list), lists flattened one level per `@`. */
function flatten(value: unknown, path: readonly (string | number)[], from = 0): unknown {
  if (from === path.length || value === null || value === undefined) return value;
  const head = path[from];
  if (head === '@') {
    if (!Array.isArray(value)) throw new Error(`Expected a list at path element ${from}`);
    return value.flatMap((element) => flatten(element, path, from + 1));
  }
  if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${String(head)}`);
  return flatten(own(value as Record<string, unknown>, String(head)), path, from + 1);
}

/** What a fetch's `requires` selects of an entity: its representation, or null if a field is missing. */
function select(
  schema: GraphQLSchema,
  source: unknown,
  selections: readonly QueryPlanSelectionNode[],
): Record<string, unknown> | null {
  if (source === null) return null;
  const from = source as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const selection of selections) {
    if (selection.kind === 'Field') {
      const name = selection.alias ?? selection.name;
      const value = own(from, name);
      if (value === undefined) return null;
      const sub = selection.selections;
      if (Array.isArray(value)) out[name] = value.map((v: unknown) => (sub ? select(schema, v, sub) : v));
      else out[name] = sub ? select(schema, value, sub) : value;
    } else if (selection.typeCondition && isObjectOfType(schema, from, selection.typeCondition)) {
      merge(out, select(schema, from, selection.selections));
    }
  }
  return out;
}

/** Merges a fetch's answer into what the answer holds so far: objects field by field, lists element-wise. */
export function merge(target: Record<string, unknown>, source: Record<string, unknown> | null | undefined): void {
  if (source === null || source === undefined) return;
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value === undefined) continue;
    const existing = own(target, key);
    if (existing && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      merge(existing as Record<string, unknown>, value as Record<string, unknown>);
    } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let i = 0; i < value.length; i++) {
        const a: unknown = existing[i];
        const b: unknown = value[i];
        if (isPlainObject(a) && isPlainObject(b)) merge(a, b);
        else existing[i] = b;
      }
    } else if (key === '__proto__') {
      Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    } else {
      target[key] = value;
    }
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
