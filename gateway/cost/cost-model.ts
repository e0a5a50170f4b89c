import {
  GraphQLError,
  TypeInfo,
  ValidationContext,
  getArgumentValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  isCompositeType,
  isInputObjectType,
  isListType,
  isNonNullType,
  parse,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type GraphQLArgument,
  type GraphQLCompositeType,
  type GraphQLInputType,
  type GraphQLSchema,
  type DirectiveNode,
} from 'graphql';
import { errors } from '../../shared/errors';
import { createComplexityRule, type ComplexityEstimatorArgs } from 'graphql-query-complexity';

/**
 * Demand control's static cost model, the one Apollo Router and the IBM GraphQL cost directive
 * specification define, read from the `@cost` and `@listSize` directives the supergraph carries:
 *
 * - an operation costs its base (mutation 10, query and subscription 0) plus its fields;
 * - a field costs `count × (weight + cost of its selections) + cost of its arguments`, where the
 *   weight is the field's `@cost`, else its type's, else 1 for an object and 0 for a scalar or enum;
 * - `count` is 1, or for a list the size `@listSize` declares: the largest slicing argument given
 *   (or its default), else `assumedSize`; a connection's `sizedFields` (`edges`) take the size its
 *   slicing argument gives, the connection itself counting once; an undeclared list counts
 *   `defaultListSize`;
 * - an argument costs 1 per input object in it and 0 per scalar; fragments add up; `__typename`
 *   and introspection cost 0.
 *
 * graphql-query-complexity does the traversal (fragments, @skip/@include, variables). The one
 * thing its estimators cannot see is the parent field's arguments, which `sizedFields` needs, so
 * the walk records the path of fields it is inside (wrapping `nodeComplexity`, its public recursion).
 */

export interface ListSize {
  assumedSize?: number;
  slicingArguments?: string[];
  sizedFields?: string[];
}

/** `@cost` and `@listSize` as the supergraph declares them, by `Type.field` and by type. */
export interface CostDirectives {
  fieldWeight: Map<string, number>;
  typeWeight: Map<string, number>;
  listSize: Map<string, ListSize>;
}

/** Operation base costs of the model. */
export const OPERATION_BASE = { query: 0, mutation: 10, subscription: 0 } as const;

/**
 * Fields the estimate walks at most, counting each fragment spread's fields again: fragments that
 * spread other fragments twice over grow exponentially within the token limit. At the default
 * LIMIT_MAX_DEPTH the depth rule refuses such chains first; this bounds the walk when it is raised.
 */
export const MAX_FIELDS = 10_000;

/** The size assumed for a list no `@listSize` sizes (every list of Hiregraph's schema declares one). */
export const DEFAULT_LIST_SIZE = 10;

const COST_NAMES = new Set(['cost', 'cost__cost', 'federation__cost']);
const LIST_SIZE_NAMES = new Set(['listSize', 'cost__listSize', 'federation__listSize']);

function args(d: DirectiveNode): Record<string, unknown> {
  return Object.fromEntries((d.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
}

/** Reads the directives from supergraph SDL (composition keeps them; the API schema drops them). */
export function costDirectivesOf(supergraphSdl: string): CostDirectives {
  const found: CostDirectives = { fieldWeight: new Map(), typeWeight: new Map(), listSize: new Map() };
  for (const def of parse(supergraphSdl).definitions) {
    if (!('name' in def) || !def.name || !('directives' in def)) continue;
    const typeName = def.name.value;
    for (const d of def.directives ?? [])
      if (COST_NAMES.has(d.name.value)) found.typeWeight.set(typeName, Number(args(d).weight));
    if (!('fields' in def)) continue;
    for (const field of def.fields ?? []) {
      const key = `${typeName}.${field.name.value}`;
      for (const d of field.directives ?? []) {
        if (COST_NAMES.has(d.name.value)) found.fieldWeight.set(key, Number(args(d).weight));
        if (LIST_SIZE_NAMES.has(d.name.value)) found.listSize.set(key, args(d) as ListSize);
      }
    }
  }
  return found;
}

/** The size a slicing argument's value gives: an integer as it is, a list by its length. */
function sizeOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, value);
  if (Array.isArray(value)) return value.length;
  return undefined;
}

/**
 * Arguments as the resolver reads them: a slicing argument given as null counts as its default
 * (parsePage reads `first: null` as 20), since GraphQL applies a default only when one is absent.
 */
export function withDefaults(
  defs: readonly GraphQLArgument[],
  values: Record<string, unknown>,
  listSize: ListSize | undefined,
): Record<string, unknown> {
  const out = { ...values };
  for (const name of listSize?.slicingArguments ?? []) {
    const def = defs.find((a) => a.name === name);
    if ((out[name] === null || out[name] === undefined) && def?.defaultValue !== undefined)
      out[name] = def.defaultValue;
  }
  return out;
}

/** The size a `@listSize` gives for these (coerced, defaults applied) arguments. */
export function declaredSize(listSize: ListSize | undefined, values: Record<string, unknown>): number | undefined {
  if (!listSize) return undefined;
  const sliced = (listSize.slicingArguments ?? [])
    .map((name) => sizeOf(values[name]))
    .filter((v): v is number => v !== undefined);
  return sliced.length ? Math.max(...sliced) : listSize.assumedSize;
}

/** 1 per input object in an argument's value, nested objects and list elements included; scalars 0. */
export function inputCost(type: GraphQLInputType, value: unknown): number {
  if (value === null || value === undefined) return 0;
  const t = isNonNullType(type) ? type.ofType : type;
  if (isListType(t))
    return Array.isArray(value)
      ? value.reduce((sum: number, v) => sum + inputCost(t.ofType, v), 0)
      : inputCost(t.ofType, value);
  if (isInputObjectType(t)) {
    const fields = t.getFields();
    let sum = 1;
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      if (fields[k]) sum += inputCost(fields[k].type, v);
    return sum;
  }
  return 0;
}

/** What a field's arguments add: their input objects. */
export function argumentsCost(defs: readonly GraphQLArgument[], values: Record<string, unknown>): number {
  return defs.reduce((sum, a) => sum + inputCost(a.type, values[a.name]), 0);
}

type Walk = ReturnType<ReturnType<typeof createComplexityRule>>;
type Frame = { node: { kind: string }; type: GraphQLCompositeType | undefined };

/**
 * The field whose selections the walk is inside (the innermost frame that is a field), with the
 * key of its definition and its arguments.
 */
function enclosingField(
  inside: Frame[],
  variables: Record<string, unknown>,
  directives: CostDirectives,
): { key: string; values: Record<string, unknown> } | undefined {
  for (let i = inside.length - 1; i > 0; i--) {
    const node = inside[i]!.node as FieldNode;
    if (node.kind !== 'Field') continue;
    const parent = inside[i - 1]!.type;
    const def = parent && 'getFields' in parent ? parent.getFields()[node.name.value] : undefined;
    if (!parent || !def) return undefined;
    const key = `${parent.name}.${def.name}`;
    return {
      key,
      values: withDefaults(def.args, getArgumentValues(def, node, variables), directives.listSize.get(key)),
    };
  }
  return undefined;
}

export interface EstimateInput {
  schema: GraphQLSchema;
  document: DocumentNode;
  variables?: Record<string, unknown>;
  operationName?: string | null;
}

/**
 * The operation's estimated cost. Throws a GraphQLError when the variables cannot be read for
 * it (the request would fail variable coercion anyway).
 */
export function estimateCost(input: EstimateInput, directives: CostDirectives): number {
  const { schema, document } = input;
  const problems: GraphQLError[] = [];
  const typeInfo = new TypeInfo(schema);
  const context = new ValidationContext(schema, document, typeInfo, (e) => problems.push(e));
  const operation = getOperationAST(document, input.operationName ?? undefined);
  const several = document.definitions.filter((d) => d.kind === 'OperationDefinition').length > 1;
  const inside: Frame[] = [];
  const estimator = ({ type, field, args: values, childComplexity }: ComplexityEstimatorArgs): number => {
    if (field.name.startsWith('__')) return 0;
    const key = `${type.name}.${field.name}`;
    const named = getNamedType(field.type);
    const weight =
      directives.fieldWeight.get(key) ?? directives.typeWeight.get(named.name) ?? (isCompositeType(named) ? 1 : 0);
    let count = 1;
    if (isListType(getNullableType(field.type))) {
      const enclosing = enclosingField(inside, walk.variableValues, directives);
      const sizedByParent =
        enclosing && directives.listSize.get(enclosing.key)?.sizedFields?.includes(field.name)
          ? declaredSize(directives.listSize.get(enclosing.key), enclosing.values)
          : undefined;
      const own = directives.listSize.get(key);
      count = sizedByParent ?? declaredSize(own, withDefaults(field.args, values, own)) ?? DEFAULT_LIST_SIZE;
    }
    return count * (weight + childComplexity) + argumentsCost(field.args, values);
  };
  // The estimator runs only inside visit() below, once `walk` exists.
  const walk: Walk = createComplexityRule({
    maximumComplexity: Number.MAX_SAFE_INTEGER,
    estimators: [estimator],
    maxQueryNodes: MAX_FIELDS,
    variables: input.variables ?? {},
    // Named only when there is a choice: the walk reads `.name` of every operation it is given a name for.
    operationName: several ? operation?.name?.value : undefined,
  })(context);
  // The walk recurses through `this.nodeComplexity`: wrapping it on the instance records the path.
  const recurse = walk.nodeComplexity.bind(walk);
  walk.nodeComplexity = (node, type, active) => {
    inside.push({ node, type });
    try {
      return recurse(node, type, active);
    } finally {
      inside.pop();
    }
  };
  try {
    visit(document, visitWithTypeInfo(typeInfo, walk));
  } catch (err) {
    if (walk.evaluatedNodes < MAX_FIELDS) throw err;
    throw errors.invalidOperation(
      `expected an operation of at most ${MAX_FIELDS} fields once its fragments are expanded, received more`,
    );
  }
  if (problems.length) throw problems[0]!;
  const base = operation ? OPERATION_BASE[operation.operation] : 0;
  return base + walk.complexity;
}
