import type { GraphQLCompositeType } from 'graphql';
import * as shape from './shape';
import type { SelectionShape, ShapeState, TypeShape } from './shape';

// Read once: under tsx (esbuild's CommonJS, as `npm start` runs) each use of an imported binding is
// a getter call, and these are used for every value of every answer.
const { HAS_ERRORS, INVALID, OK, checkNonNull, invalidLeaf, own, runtimeOf } = shape;

/**
 * Result shaping into objects (subscription events, which graphql-ws serializes itself): the
 * same walk as shape-json.ts, building the answer's objects instead of its text.
 */

/** Shapes `input` into a new object; null when a non-null field in it is null. */
export function shapeObject(
  shape: SelectionShape,
  input: Record<string, unknown>,
  runtime: GraphQLCompositeType | undefined,
  st: ShapeState,
): Record<string, unknown> | null {
  const fields = shape.fieldsFor(runtime);
  const out: Record<string, unknown> = {};
  const typeName = (runtime ?? shape.type).name;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const name = f.responseName;
    let value: unknown;
    if (f.kind === 'typename') {
      value = shape.typename(f, input, typeName);
      if (value === null) return null;
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

/** Completes one value of `t`; sets st.flag. */
function complete(t: TypeShape, input: unknown, parentName: string, st: ShapeState): unknown {
  st.flag = OK;
  let value: unknown = null;
  if (input !== null) {
    if (t.list) value = completeList(t.list, input, parentName, st);
    else if (t.composite) value = completeObject(t, t.composite, input, parentName, st);
    else if (t.leaf!(input)) value = input;
    else invalidLeaf(t, parentName, st);
  }
  checkNonNull(t, value === null, parentName, st);
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
  const runtime = runtimeOf(t, shape, record, parentName, st);
  if (runtime === null) return null;
  const out = shapeObject(shape, record, runtime, st);
  st.flag = out === null ? HAS_ERRORS : OK;
  return out;
}
