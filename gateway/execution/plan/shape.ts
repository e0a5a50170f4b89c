import { ERRORS } from '@apollo/federation-internals';
import {
  GraphQLError,
  Kind,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { isSkipped, type ConditionValues } from './conditions';

/**
 * Result shaping: the subgraphs' merged answers cut to the client's selection, in its order, with
 * null propagation for non-null fields and leaf values checked against the API schema (a value of
 * an inaccessible enum value becomes null with an error). The semantics are those of Apollo's
 * gateway, error messages included; the work is not: what each selection set keeps for each
 * runtime type is settled once per operation (and per values of its @skip/@include variables)
 * instead of being re-derived from the operation at every value.
 */

/** A compiled type: its wrappers, then a leaf check or a selection set. */
export interface TypeShape {
  nonNull: boolean;
  /** As printed in errors (without the outer non-null). */
  printed: string;
  list?: TypeShape;
  composite?: SelectionShape;
  leaf?: (value: unknown) => boolean;
}

export interface FieldShape {
  responseName: string;
  /** The type named in this field's errors: its fragment's condition, else the object's type (null). */
  parentName: string | null;
  kind: 'value' | 'typename' | 'introspection';
  type?: TypeShape;
  node: FieldNode;
  /** `"name":` and `,"name":`, for the JSON shaper. */
  jsonKey: string;
  jsonNextKey: string;
}

/** Fields and fragments collected for one response name, merged as GraphQL merges them. */
interface Gathered {
  first: { node: FieldNode; parentName: string | null; type?: GraphQLOutputType };
  sets: SelectionSetNode[];
}

const INT = /^-?(?:0|[1-9][0-9]*)$/;
export const OK = 0;
export const HAS_ERRORS = 1;
export const INVALID = 2;

/** What one shaping pass carries: errors, the current path, and how root introspection is answered. */
export interface ShapeState {
  errors: GraphQLError[];
  path: (string | number)[];
  /** Set by each completion: OK, HAS_ERRORS (value null, error recorded) or INVALID (a non-null was null). */
  flag: number;
  introspect(node: FieldNode): unknown;
}

/** The operation's compile-time context, shared by its selection sets. */
export interface ShapeContext {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  conditions: ConditionValues;
}

export class SelectionShape {
  private readonly byType = new Map<string, FieldShape[]>();

  constructor(
    private readonly ctx: ShapeContext,
    readonly type: GraphQLCompositeType,
    private readonly sets: readonly SelectionSetNode[],
  ) {}

  schemaType(name: string): GraphQLNamedType | undefined {
    return this.ctx.schema.getType(name) ?? undefined;
  }

  /** The fields kept for an object whose `__typename` names `runtime` (undefined: none given). */
  fieldsFor(runtime: GraphQLCompositeType | undefined): FieldShape[] {
    const key = runtime?.name ?? '';
    let fields = this.byType.get(key);
    if (!fields) this.byType.set(key, (fields = this.compile(runtime)));
    return fields;
  }

  /**
   * What field `f` (a `__typename`) answers on `input`: the type its `__typename` names, else
   * the field's parent type; null when that is not an object type (the object becomes null).
   */
  typename(f: FieldShape, input: Record<string, unknown>, typeName: string): string | null {
    let given = own(input, f.responseName);
    if ((given === null || given === undefined) && f.responseName !== '__typename') given = own(input, '__typename');
    const named = typeof given === 'string' ? (this.ctx.schema.getType(given) ?? undefined) : undefined;
    const type = named ?? this.ctx.schema.getType(f.parentName ?? typeName);
    return isObjectType(type) ? type.name : null;
  }

  private compile(runtime: GraphQLCompositeType | undefined): FieldShape[] {
    const gathered = new Map<string, Gathered>();
    for (const set of this.sets) this.gather(set, runtime, this.type, null, gathered);
    const fields: FieldShape[] = [];
    for (const [responseName, g] of gathered) {
      const { node, parentName, type } = g.first;
      const name = node.name.value;
      const jsonKey = `${JSON.stringify(responseName)}:`;
      const common = { responseName, parentName, node, jsonKey, jsonNextKey: `,${jsonKey}` };
      if (name === '__typename') fields.push({ ...common, kind: 'typename' });
      else if (name === '__schema' || name === '__type') fields.push({ ...common, kind: 'introspection' });
      else fields.push({ ...common, kind: 'value', type: this.typeShape(type!, g.sets) });
    }
    return fields;
  }

  /** Collects the selections that apply to `runtime` (or, without one, to each level's static type). */
  private gather(
    set: SelectionSetNode,
    runtime: GraphQLCompositeType | undefined,
    parent: GraphQLCompositeType,
    parentName: string | null,
    into: Map<string, Gathered>,
  ): void {
    const { schema, fragments, conditions } = this.ctx;
    for (const sel of set.selections) {
      if (isSkipped(sel, conditions)) continue;
      if (sel.kind === Kind.FIELD) {
        const responseName = sel.alias?.value ?? sel.name.value;
        const seen = into.get(responseName);
        if (seen) {
          if (sel.selectionSet) seen.sets.push(sel.selectionSet);
          continue;
        }
        const def = sel.name.value.startsWith('__') ? undefined : fieldType(parent, sel.name.value);
        into.set(responseName, {
          first: { node: sel, parentName, type: def },
          sets: sel.selectionSet ? [sel.selectionSet] : [],
        });
        continue;
      }
      const fragment = sel.kind === Kind.FRAGMENT_SPREAD ? fragments[sel.name.value] : sel;
      if (!fragment) continue;
      const conditionName = fragment.typeCondition?.name.value;
      const named = conditionName ? schema.getType(conditionName) : undefined;
      if (conditionName && !(named && isCompositeType(named))) continue;
      const condition = named as GraphQLCompositeType | undefined;
      if (condition && !isSubtype(schema, condition, runtime ?? parent)) continue;
      this.gather(fragment.selectionSet, runtime, condition ?? parent, condition ? condition.name : parentName, into);
    }
  }

  private typeShape(type: GraphQLOutputType, sets: SelectionSetNode[]): TypeShape {
    if (isNonNullType(type)) return { ...this.typeShape(type.ofType, sets), nonNull: true };
    const printed = String(type);
    if (isListType(type)) return { nonNull: false, printed, list: this.typeShape(type.ofType, sets) };
    if (isCompositeType(type)) return { nonNull: false, printed, composite: new SelectionShape(this.ctx, type, sets) };
    return { nonNull: false, printed, leaf: leafCheck(getNamedType(type)) };
  }
}

/**
 * The runtime type an object of `t` names by its `__typename`: undefined when it names none; null
 * (its error recorded, st.flag HAS_ERRORS) when the name is no composite type of the API schema.
 */
export function runtimeOf(
  t: TypeShape,
  shape: SelectionShape,
  input: Record<string, unknown>,
  parentName: string,
  st: ShapeState,
): GraphQLCompositeType | undefined | null {
  const typename = own(input, '__typename');
  if (typename === undefined || typename === null) return undefined;
  const named: GraphQLNamedType | undefined = typeof typename === 'string' ? shape.schemaType(typename) : undefined;
  if (named && isCompositeType(named)) return named;
  st.errors.push(
    invalid(`Invalid __typename found for object at ${describe(st.path, t.printed, parentName)}.`, st.path),
  );
  st.flag = HAS_ERRORS;
  return null;
}

/** Records a leaf value the API schema refuses (st.flag HAS_ERRORS). */
export function invalidLeaf(t: TypeShape, parentName: string, st: ShapeState): void {
  st.errors.push(invalid(`Invalid value found for ${describe(st.path, t.printed, parentName)}.`, st.path));
  st.flag = HAS_ERRORS;
}

/**
 * After a value of `t` was completed to null or not: a null where `t` is non-null makes st.flag
 * INVALID (its error recorded unless one was already), a non-null value of a non-null type OK.
 */
export function checkNonNull(t: TypeShape, isNull: boolean, parentName: string, st: ShapeState): void {
  if (!t.nonNull) return;
  if (!isNull) {
    st.flag = OK;
    return;
  }
  if (st.flag === OK)
    st.errors.push(
      invalid(`Cannot return null for non-nullable ${describe(st.path, t.printed, parentName)}.`, st.path),
    );
  st.flag = INVALID;
}

function describe(path: readonly (string | number)[], printed: string, parentName: string): string {
  const last = path[path.length - 1];
  return typeof last === 'string' ? `field ${parentName}.${last}` : `array element of type ${printed} at index ${last}`;
}

function invalid(message: string, path: readonly (string | number)[]): GraphQLError {
  return ERRORS.INVALID_GRAPHQL.err(message, { path: [...path] });
}

/** A property of the answer's own (a JSON object's), never one inherited from Object.prototype. */
export function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function fieldType(parent: GraphQLCompositeType, name: string): GraphQLOutputType | undefined {
  return 'getFields' in parent ? parent.getFields()[name]?.type : undefined;
}

/** Whether an object of `type` is an object of `condition`: the same type, or one of its possible types. */
export function isSubtype(schema: GraphQLSchema, condition: GraphQLNamedType, type: GraphQLNamedType): boolean {
  if (condition === type) return true;
  return (
    isAbstractType(condition) && (isObjectType(type) || isInterfaceType(type)) && schema.isSubType(condition, type)
  );
}

/** Whether a leaf value from a subgraph is one the API schema allows for its type. */
function leafCheck(type: GraphQLNamedType): (value: unknown) => boolean {
  if (isEnumType(type)) {
    const values = new Set(type.getValues().map((v) => v.name));
    return (v) => typeof v === 'string' && values.has(v);
  }
  const builtIn = isScalarType(type) && ['Int', 'Float', 'String', 'Boolean', 'ID'].includes(type.name);
  if (!builtIn) return () => true;
  switch (type.name) {
    case 'Boolean':
      return (v) => typeof v === 'boolean';
    case 'Int':
      return (v) => typeof v === 'number' && isFinite(v) && INT.test(String(v));
    case 'ID':
      return (v) => typeof v === 'string' || (typeof v === 'number' && isFinite(v) && INT.test(String(v)));
    case 'Float':
      return (v) => typeof v === 'number' && isFinite(v);
    default:
      return (v) => typeof v === 'string';
  }
}
