import type { GraphQLCompositeType } from 'graphql';
import * as shape from './shape';
import type { SelectionShape, ShapeState, TypeShape } from './shape';

// Read once: under tsx (esbuild's CommonJS, as `npm start` runs) each use of an imported binding is
// a getter call, and these are used for every value of every answer.
const { HAS_ERRORS, INVALID, OK, checkNonNull, invalidLeaf, own, runtimeOf } = shape;

/**
 * Result shaping straight into the answer's JSON text: the walk of shape-object.ts, appending each
 * value's text to `out.text` instead of building an object that is serialized next. A large answer
 * is then allocated once, as its text (keys are the compiled `"name":` strings, never made again),
 * instead of as objects and then text; when a non-null field turns out null, what was written of
 * its object is cut back and `null` written, as the object would have been replaced. The text is
 * JSON.stringify's of the object shape-object.ts makes (tested).
 *
 * Appending (`+=`, which V8 keeps as a rope and flattens once when the text is read) rather than
 * collecting pieces to join: joining the dashboard's ~25,000 pieces took 12% of the gateway's CPU.
 */

/** The text written so far. */
export interface JsonOut {
  text: string;
}

/** Writes `input` shaped as an object; false (nothing left written) when a non-null field in it is null. */
export function writeObject(
  shape: SelectionShape,
  input: Record<string, unknown>,
  runtime: GraphQLCompositeType | undefined,
  st: ShapeState,
  out: JsonOut,
): boolean {
  const fields = shape.fieldsFor(runtime);
  const typeName = (runtime ?? shape.type).name;
  const start = out.text.length;
  out.text += '{';
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    out.text += i === 0 ? f.jsonKey : f.jsonNextKey;
    if (f.kind === 'typename') {
      const name = shape.typename(f, input, typeName);
      if (name === null) {
        out.text = out.text.slice(0, start);
        return false;
      }
      out.text += JSON.stringify(name);
    } else if (f.kind === 'introspection') {
      out.text += JSON.stringify(st.introspect(f.node));
    } else {
      st.path.push(f.responseName);
      write(f.type!, own(input, f.responseName) ?? null, f.parentName ?? typeName, st, out);
      st.path.pop();
      if (st.flag === INVALID) {
        out.text = out.text.slice(0, start);
        return false;
      }
    }
  }
  out.text += '}';
  return true;
}

/** Writes one value of `t`; sets st.flag as shape-object.ts's complete() does. */
function write(t: TypeShape, input: unknown, parentName: string, st: ShapeState, out: JsonOut): void {
  st.flag = OK;
  const mark = out.text.length;
  let written = false;
  if (input !== null) {
    if (t.list) written = writeList(t.list, input, parentName, st, out);
    else if (t.composite) written = writeComposite(t, t.composite, input, parentName, st, out);
    else if (t.leaf!(input)) {
      out.text += typeof input === 'number' || typeof input === 'boolean' ? String(input) : JSON.stringify(input);
      written = true;
    } else invalidLeaf(t, parentName, st);
  }
  if (!written) out.text = `${out.text.slice(0, mark)}null`;
  checkNonNull(t, !written, parentName, st);
}

function writeList(item: TypeShape, input: unknown, parentName: string, st: ShapeState, out: JsonOut): boolean {
  if (!Array.isArray(input)) throw new Error(`Invalid non-list value ${String(input)} returned by subgraph for a list`);
  out.text += '[';
  let nullify = false;
  let hasErrors = false;
  for (let i = 0; i < input.length; i++) {
    if (i > 0) out.text += ',';
    st.path.push(i);
    write(item, input[i] ?? null, parentName, st, out);
    st.path.pop();
    if (st.flag === INVALID) nullify = true;
    if (st.flag !== OK) hasErrors = true;
  }
  out.text += ']';
  st.flag = hasErrors ? HAS_ERRORS : OK;
  return !nullify;
}

function writeComposite(
  t: TypeShape,
  shape: SelectionShape,
  input: unknown,
  parentName: string,
  st: ShapeState,
  out: JsonOut,
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
