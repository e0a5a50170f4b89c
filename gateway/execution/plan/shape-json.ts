import type { GraphQLCompositeType } from 'graphql';
import {
  HAS_ERRORS,
  INVALID,
  OK,
  checkNonNull,
  invalidLeaf,
  own,
  runtimeOf,
  type SelectionShape,
  type ShapeState,
  type TypeShape,
} from './shape';

/**
 * Result shaping straight into the answer's JSON text: the walk of shape-object.ts, writing each
 * value's text into `out` instead of building an object that is serialized next. A large answer
 * is then allocated once, as the pieces of its text (keys are the compiled `"name":` strings,
 * never made again), instead of as objects and then text; when a non-null field turns out null,
 * what was written of its object is cut back and `null` written, as the object would have been
 * replaced. The text is JSON.stringify's of the object shape-object.ts makes (tested).
 */

/** Writes `input` shaped as an object; false (nothing left written) when a non-null field in it is null. */
export function writeObject(
  shape: SelectionShape,
  input: Record<string, unknown>,
  runtime: GraphQLCompositeType | undefined,
  st: ShapeState,
  out: string[],
): boolean {
  const fields = shape.fieldsFor(runtime);
  const typeName = (runtime ?? shape.type).name;
  const start = out.length;
  out.push('{');
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    out.push(i === 0 ? f.jsonKey : f.jsonNextKey);
    if (f.kind === 'typename') {
      const name = shape.typename(f, input, typeName);
      if (name === null) {
        out.length = start;
        return false;
      }
      out.push(JSON.stringify(name));
    } else if (f.kind === 'introspection') {
      out.push(JSON.stringify(st.introspect(f.node)));
    } else {
      st.path.push(f.responseName);
      write(f.type!, own(input, f.responseName) ?? null, f.parentName ?? typeName, st, out);
      st.path.pop();
      if (st.flag === INVALID) {
        out.length = start;
        return false;
      }
    }
  }
  out.push('}');
  return true;
}

/** Writes one value of `t`; sets st.flag as shape-object.ts's complete() does. */
function write(t: TypeShape, input: unknown, parentName: string, st: ShapeState, out: string[]): void {
  st.flag = OK;
  const mark = out.length;
  let written = false;
  if (input !== null) {
    if (t.list) written = writeList(t.list, input, parentName, st, out);
    else if (t.composite) written = writeComposite(t, t.composite, input, parentName, st, out);
    else if (t.leaf!(input)) {
      out.push(typeof input === 'number' || typeof input === 'boolean' ? String(input) : JSON.stringify(input));
      written = true;
    } else invalidLeaf(t, parentName, st);
  }
  if (!written) {
    out.length = mark;
    out.push('null');
  }
  checkNonNull(t, !written, parentName, st);
}

function writeList(item: TypeShape, input: unknown, parentName: string, st: ShapeState, out: string[]): boolean {
  if (!Array.isArray(input)) throw new Error(`Invalid non-list value ${String(input)} returned by subgraph for a list`);
  out.push('[');
  let nullify = false;
  let hasErrors = false;
  for (let i = 0; i < input.length; i++) {
    if (i > 0) out.push(',');
    st.path.push(i);
    write(item, input[i] ?? null, parentName, st, out);
    st.path.pop();
    if (st.flag === INVALID) nullify = true;
    if (st.flag !== OK) hasErrors = true;
  }
  out.push(']');
  st.flag = hasErrors ? HAS_ERRORS : OK;
  return !nullify;
}

function writeComposite(
  t: TypeShape,
  shape: SelectionShape,
  input: unknown,
  parentName: string,
  st: ShapeState,
  out: string[],
): boolean {
  if (typeof input !== 'object')
    throw new Error(`Invalid non-object value ${String(input)} returned by subgraph for composite type ${t.printed}`);
  const record = input as Record<string, unknown>;
  const runtime = runtimeOf(t, shape, record, parentName, st);
  if (runtime === null) return false;
  const written = writeObject(shape, record, runtime, st, out);
  st.flag = written ? OK : HAS_ERRORS;
  return written;
}
