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
import { conditionValues, conditionVariables, variableValue } from './conditions';
import { own, SelectionShape, type ShapeState } from './shape';
import { parseSubselection, typeAtPath } from './subselection';

/** What shaping one answer gives: its data, and the errors found in the subgraphs' values. */
export interface Shaped {
  data: Record<string, unknown> | null;
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

  /**
   * @param plan the plan that answers at once (every @defer ignored)
   * @param deferPlan for an operation with @defer, the plan with its Defer nodes
   */
  constructor(
    private readonly schema: GraphQLSchema,
    readonly document: DocumentNode,
    operationName: string | undefined,
    readonly plan: QueryPlan,
    readonly deferPlan?: QueryPlan,
  ) {
    this.definition = operationOf(document, operationName);
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) this.fragments[d.name.value] = d;
    this.conditionNames = conditionVariables(document);
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
    const values = conditionValues(this.definition, this.conditionNames, variables);
    const key = this.conditionNames.map((n) => (values[n] ? '1' : '0')).join('');
    let shape = this.shapes.get(key);
    if (!shape) {
      const root = rootType(this.schema, this.definition.operation);
      shape = new SelectionShape({ schema: this.schema, fragments: this.fragments, conditions: values }, root, [
        this.definition.selectionSet,
      ]);
      this.shapes.set(key, shape);
    }
    const st: ShapeState = {
      errors: [],
      path: [],
      flag: 0,
      introspect: (node) => this.introspect(node, variables),
    };
    const data = shape.apply(input, undefined, st) as Record<string, unknown> | null;
    return { data, errors: st.errors };
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
    const values = conditionValues(this.definition, this.conditionNames, variables);
    const key = `${queryPath.join('\u0000')}\n${subselection ?? ''}\n${this.conditionNames.map((n) => (values[n] ? '1' : '0')).join('')}`;
    let shape = this.partShapes.get(key);
    if (!shape) {
      const root = rootType(this.schema, this.definition.operation);
      const type = typeAtPath(this.schema, this.definition, this.fragments, root, queryPath);
      const set = parseSubselection(subselection);
      const sets: SelectionSetNode[] = set ? [set] : [];
      shape = new SelectionShape({ schema: this.schema, fragments: this.fragments, conditions: values }, type, sets);
      this.partShapes.set(key, shape);
    }
    const st: ShapeState = {
      errors: [],
      path: [...path],
      flag: 0,
      introspect: (node) => this.introspect(node, variables),
    };
    const typename = own(input, '__typename');
    const named = typeof typename === 'string' ? this.schema.getType(typename) : undefined;
    const runtime = named && isCompositeType(named) ? named : undefined;
    const data = shape.apply(input, runtime, st) as Record<string, unknown> | null;
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
