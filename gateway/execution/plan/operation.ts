import { ERRORS } from '@apollo/federation-internals';
import type { QueryPlan } from '@apollo/query-planner';
import {
  Kind,
  OperationTypeNode,
  executeSync,
  isCompositeType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { conditionValues, conditionVariables, variableValue, type ConditionValues } from './conditions';
import { own, SelectionShape, type ShapeState } from './shape';
import { writeObject } from './shape-json';
import { shapeObject } from './shape-object';
import { parseSubselection, typeAtPath } from './subselection';

/** What shaping one answer gives: its data, and the errors found in the subgraphs' values. */
export interface Shaped {
  data: Record<string, unknown> | null;
  errors: GraphQLError[];
}

/** The same, the data as its JSON text. */
export interface ShapedJson {
  json: string;
  errors: GraphQLError[];
}

/**
 * One operation as the gateway runs it, made once per document and operation name: its query plan,
 * and its result shaping for each combination of the values its @skip/@include variables take.
 */
export class CompiledOperation {
  readonly definition: OperationDefinitionNode;
  private readonly fragments: Record<string, FragmentDefinitionNode> = {};
  private readonly conditionNames: string[];
  private readonly shapes = new Map<string, SelectionShape>();
  /** Deferred parts' shapes, by query path, subselection and @skip/@include values. */
  private readonly partShapes = new Map<string, SelectionShape>();
  private readonly overridden = new Map<string, QueryPlan>();
  /** For an operation with @defer, the plan with its Defer nodes. */
  readonly deferPlan?: QueryPlan;
  private readonly replan?: (overrides: ReadonlyMap<string, boolean>, deferred: boolean) => QueryPlan;

  /**
   * @param plan the plan that answers at once (every @defer ignored), every progressive-override
   *   label off (the planner's default)
   * @param plans.deferPlan for an operation with @defer, the plan with its Defer nodes
   * @param plans.replan plans the operation with some override labels on (with its Defer nodes or
   *   without); absent, the plans above serve every request
   */
  constructor(
    private readonly schema: GraphQLSchema,
    readonly document: DocumentNode,
    operationName: string | undefined,
    readonly plan: QueryPlan,
    plans: {
      deferPlan?: QueryPlan;
      replan?: (overrides: ReadonlyMap<string, boolean>, deferred: boolean) => QueryPlan;
    } = {},
  ) {
    this.deferPlan = plans.deferPlan;
    this.replan = plans.replan;
    this.definition = operationOf(document, operationName);
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) this.fragments[d.name.value] = d;
    this.conditionNames = conditionVariables(document);
  }

  /**
   * The plan for one request's progressive-override labels (OverrideLabels.draw): planned once per
   * combination of their values, each combination's plan kept with the operation.
   */
  planFor(overrides: ReadonlyMap<string, boolean> | undefined, deferred = false): QueryPlan {
    const base = deferred ? (this.deferPlan ?? this.plan) : this.plan;
    if (!overrides || !this.replan || (deferred && !this.deferPlan)) return base;
    let key = deferred ? 'd' : 'p';
    for (const on of overrides.values()) key += on ? '1' : '0';
    if (!key.includes('1')) return base;
    let plan = this.overridden.get(key);
    if (!plan) this.overridden.set(key, (plan = this.replan(overrides, deferred)));
    return plan;
  }

  /** A plan Condition node's value: the variable as given, else its default. */
  condition(variables: Readonly<Record<string, unknown>> | undefined, name: string): boolean {
    const value = variableValue(this.definition, variables, name);
    if (typeof value !== 'boolean')
      throw new Error(`Invalid non-boolean value ${String(value)} for Boolean! variable $${name}`);
    return value;
  }

  /** The merged answer cut to the operation's selection (null when a non-null root field is null). */
  shape(input: Record<string, unknown>, variables: Readonly<Record<string, unknown>> | undefined): Shaped {
    const st = this.state(variables);
    const data = shapeObject(this.shapeFor(variables), input, undefined, st);
    return { data, errors: st.errors };
  }

  /** As shape(), as the data's JSON text (`null` when a non-null root field is null). */
  shapeJson(input: Record<string, unknown>, variables: Readonly<Record<string, unknown>> | undefined): ShapedJson {
    const st = this.state(variables);
    const out = { text: '' };
    const json = writeObject(this.shapeFor(variables), input, undefined, st, out) ? out.text : 'null';
    return { json, errors: st.errors };
  }

  private state(variables: Readonly<Record<string, unknown>> | undefined): ShapeState {
    return { errors: [], path: [], flag: 0, introspect: (node) => this.introspect(node, variables) };
  }

  /** The values of the operation's @skip/@include variables for a request, and their key ('1' on, '0' off). */
  private conditions(variables: Readonly<Record<string, unknown>> | undefined): {
    values: ConditionValues;
    key: string;
  } {
    const values = conditionValues(this.definition, this.conditionNames, variables);
    return { values, key: this.conditionNames.map((n) => (values[n] ? '1' : '0')).join('') };
  }

  /** The root selection's shaping for the values the request gives its @skip/@include variables. */
  private shapeFor(variables: Readonly<Record<string, unknown>> | undefined): SelectionShape {
    const { values, key } = this.conditions(variables);
    let shape = this.shapes.get(key);
    if (!shape) {
      const root = rootType(this.schema, this.definition.operation);
      const context = { schema: this.schema, fragments: this.fragments, conditions: values };
      shape = new SelectionShape(context, root, [this.definition.selectionSet]);
      this.shapes.set(key, shape);
    }
    return shape;
  }

  /**
   * One part of a deferred answer: `input`, the merged object at `path` (an instance of the plan's
   * `queryPath`), cut to the part's `subselection` (the planner's text; none: an empty part). The
   * initial part is the one at the root.
   */
  shapePart(
    subselection: string | undefined,
    queryPath: readonly string[],
    input: Record<string, unknown>,
    path: readonly (string | number)[],
    variables: Readonly<Record<string, unknown>> | undefined,
  ): Shaped {
    const conditions = this.conditions(variables);
    const { values } = conditions;
    const key = `${queryPath.join('\u0000')}\n${subselection ?? ''}\n${conditions.key}`;
    let shape = this.partShapes.get(key);
    if (!shape) {
      const root = rootType(this.schema, this.definition.operation);
      const type = typeAtPath(this.schema, this.definition, this.fragments, root, queryPath);
      const set = parseSubselection(subselection);
      const sets: SelectionSetNode[] = set ? [set] : [];
      shape = new SelectionShape({ schema: this.schema, fragments: this.fragments, conditions: values }, type, sets);
      this.partShapes.set(key, shape);
    }
    const st: ShapeState = { ...this.state(variables), path: [...path] };
    const typename = own(input, '__typename');
    const named = typeof typename === 'string' ? this.schema.getType(typename) : undefined;
    const runtime = named && isCompositeType(named) ? named : undefined;
    const data = shapeObject(shape, input, runtime, st);
    return { data, errors: st.errors };
  }

  /** `__schema` and `__type` are answered by the gateway's API schema, as graphql-js answers them. */
  private introspect(node: FieldNode, variables: Readonly<Record<string, unknown>> | undefined): unknown {
    const { data, errors } = executeSync({
      schema: this.schema,
      document: {
        kind: Kind.DOCUMENT,
        definitions: [
          {
            kind: Kind.OPERATION_DEFINITION,
            operation: OperationTypeNode.QUERY,
            variableDefinitions: this.definition.variableDefinitions,
            selectionSet: { kind: Kind.SELECTION_SET, selections: [node] },
          },
          ...Object.values(this.fragments),
        ],
      },
      rootValue: {},
      variableValues: variables,
    });
    if (errors?.length || !data) throw new Error(`Introspection failed: ${errors?.[0]?.message ?? 'no data'}`);
    return data[node.alias?.value ?? node.name.value];
  }
}

function rootType(schema: GraphQLSchema, operation: OperationTypeNode) {
  const type = schema.getRootType(operation);
  if (!type) throw ERRORS.INVALID_GRAPHQL.err(`The schema has no ${operation} type.`);
  return type;
}

/** The document's operation of that name (the only one when no name is given). */
export function operationOf(document: DocumentNode, operationName: string | undefined): OperationDefinitionNode {
  let found: OperationDefinitionNode | undefined;
  let count = 0;
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    count++;
    if (!operationName && count > 1)
      throw ERRORS.INVALID_GRAPHQL.err('Must provide operation name if query contains multiple operations.');
    if (!operationName || d.name?.value === operationName) found = d;
  }
  if (!found)
    throw ERRORS.INVALID_GRAPHQL.err(
      operationName ? `Unknown operation named "${operationName}".` : 'Must provide an operation.',
    );
  return found;
}
