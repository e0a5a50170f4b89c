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
interface TypeShape {
  nonNull: boolean;
  /** As printed in errors (without the outer non-null). */
  printed: string;
  list?: TypeShape;
  composite?: SelectionShape;
  leaf?: (value: unknown) => boolean;
}

interface FieldShape {
  responseName: string;
  /** The type named in this field's errors: its fragment's condition, else the object's type (null). */
  parentName: string | null;
  kind: 'value' | 'typename' | 'introspection';
  type?: TypeShape;
  node: FieldNode;
}

/** Fields and fragments collected for one response name, merged as GraphQL merges them. */
interface Gathered {
  first: { node: FieldNode; parentName: string | null; type?: GraphQLOutputType };
  sets: SelectionSetNode[];
}

const INT = /^-?(?:0|[1-9][0-9]*)$/;
const OK = 0;
const HAS_ERRORS = 1;
const INVALID = 2;

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

  /** Shapes `input` into a new object; returns null when a non-null field in it is null. */
  apply(input: Record<string, unknown>, runtime: GraphQLCompositeType | undefined, st: ShapeState): object | null {
    const fields = this.fieldsFor(runtime);
    const out: Record<string, unknown> = {};
    const typeName = (runtime ?? this.type).name;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const name = f.responseName;
      let value: unknown;
      if (f.kind === 'typename') {
        let given = own(input, name);
        if ((given === null || given === undefined) && name !== '__typename') given = own(input, '__typename');
        const parent = f.parentName ?? typeName;
        const named = typeof given === 'string' ? (this.ctx.schema.getType(given) ?? undefined) : undefined;
        const type = named ?? this.ctx.schema.getType(parent);
        if (!isObjectType(type)) return null;
        value = type.name;
      } else if (f.kind === 'introspection') {
        value = st.introspect(f.node);
      } else {
        st.path.push(name);
        value = complete(f.type!, own(input, name) ?? null, f.parentName ?? typeName, st);
        st.path.pop();
        if (st.flag === INVALID) return null;
      }
      if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, writable: true });
      else out[name] = value;
    }
    return out;
  }

  private compile(runtime: GraphQLCompositeType | undefined): FieldShape[] {
    const gathered = new Map<string, Gathered>();
    for (const set of this.sets) this.gather(set, runtime, this.type, null, gathered);
    const fields: FieldShape[] = [];
    for (const [responseName, g] of gathered) {
      const { node, parentName, type } = g.first;
      const name = node.name.value;
      if (name === '__typename') fields.push({ responseName, parentName, kind: 'typename', node });
      else if (name === '__schema' || name === '__type')
        fields.push({ responseName, parentName, kind: 'introspection', node });
      else fields.push({ responseName, parentName, kind: 'value', node, type: this.typeShape(type!, g.sets) });
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

/** Completes one value of `t`; sets st.flag. */
function complete(t: TypeShape, input: unknown, parentName: string, st: ShapeState): unknown {
  st.flag = OK;
  let value: unknown = null;
  if (input !== null) {
    if (t.list) value = completeList(t.list, input, parentName, st);
    else if (t.composite) value = completeObject(t, t.composite, input, parentName, st);
    else if (t.leaf!(input)) value = input;
    else {
      st.errors.push(invalid(`Invalid value found for ${describe(st.path, t.printed, parentName)}.`, st.path));
      st.flag = HAS_ERRORS;
    }
  }
  if (t.nonNull && value === null) {
    if (st.flag === OK)
      st.errors.push(
        invalid(`Cannot return null for non-nullable ${describe(st.path, t.printed, parentName)}.`, st.path),
      );
    st.flag = INVALID;
  } else if (t.nonNull) st.flag = OK;
  return value;
}

function completeList(item: TypeShape, input: unknown, parentName: string, st: ShapeState): unknown[] | null {
  if (!Array.isArray(input)) throw new Error(`Invalid non-list value ${String(input)} returned by subgraph for a list`);
  const out = new Array<unknown>(input.length);
  let nullify = false;
  let hasErrors = false;
  for (let i = 0; i < input.length; i++) {
    st.path.push(i);
    out[i] = complete(item, input[i] ?? null, parentName, st);
    st.path.pop();
    if (st.flag === INVALID) nullify = true;
    if (st.flag !== OK) hasErrors = true;
  }
  st.flag = hasErrors ? HAS_ERRORS : OK;
  return nullify ? null : out;
}

function completeObject(
  t: TypeShape,
  shape: SelectionShape,
  input: unknown,
  parentName: string,
  st: ShapeState,
): object | null {
  if (typeof input !== 'object')
    throw new Error(`Invalid non-object value ${String(input)} returned by subgraph for composite type ${t.printed}`);
  const record = input as Record<string, unknown>;
  const typename = own(record, '__typename');
  let runtime: GraphQLCompositeType | undefined;
  if (typename !== undefined && typename !== null) {
    const named: GraphQLNamedType | undefined = typeof typename === 'string' ? shape.schemaType(typename) : undefined;
    if (!named || !isCompositeType(named)) {
      st.errors.push(
        invalid(`Invalid __typename found for object at ${describe(st.path, t.printed, parentName)}.`, st.path),
      );
      st.flag = HAS_ERRORS;
      return null;
    }
    runtime = named;
  }
  const out = shape.apply(record, runtime, st);
  st.flag = out === null ? HAS_ERRORS : OK;
  return out;
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
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
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
