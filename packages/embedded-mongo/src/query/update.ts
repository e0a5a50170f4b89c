import { serialize, Timestamp } from 'bson';
import { CODES, ServerError } from '../errors';
import { cloneValue } from './clone';
import { compileFilter, isOperatorDoc, type MatchState } from './match';
import { arith, isNumeric, NumericOverflowError, toNumber } from './numeric';
import { getPath, isArrayIndex, setPath, unsetPath } from './paths';
import { parseSort, sortDocs } from './sort';
import { ArrayFilters, expandUpdatePath, orderedPaths } from './update-paths';
import { isOperatorUpdate } from './update-validate';
import {
  bsonTypeName,
  compareValues,
  isPlainObject,
  valuesEqual,
  type Doc,
  type StringCompare,
  type Value,
} from './values';

export interface UpdateOptions {
  arrayFilters?: unknown;
  /** The array position the query matched, for the positional `$`. */
  match?: MatchState;
  /** True when the update builds a new document for an upsert ($setOnInsert applies). */
  insert?: boolean;
  strings?: StringCompare;
}

/**
 * Applies an operator or replacement update to a copy of `doc`. Returns the new document and whether
 * its stored bytes changed (MongoDB's nModified counts only real changes).
 */
export function applyUpdate(doc: Doc, update: Doc, opts: UpdateOptions = {}): { doc: Doc; modified: boolean } {
  if (!isOperatorUpdate(update)) {
    const next: Doc = { _id: doc._id, ...cloneValue(update) };
    if (next._id === undefined) delete next._id;
    if (update._id !== undefined && doc._id !== undefined && !valuesEqual(update._id, doc._id)) {
      throw new ServerError(
        CODES.ImmutableField,
        `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${JSON.stringify(update._id)}`,
      );
    }
    return { doc: next, modified: changed(doc, next) };
  }
  const next = cloneValue(doc);
  const filters = new ArrayFilters(opts.arrayFilters, opts.strings);
  const match = opts.match ?? {};
  for (const [op, fields] of Object.entries(update)) {
    if (op === '$setOnInsert' && !opts.insert) {
      for (const path of Object.keys(fields as Doc)) expandUpdatePath(next, path, filters, match, true);
      continue;
    }
    for (const path of orderedPaths(fields as Doc)) {
      for (const parts of expandUpdatePath(next, path, filters, match, opts.insert === true)) {
        applyOne(op, next, parts, (fields as Doc)[path], opts);
      }
    }
  }
  filters.checkAllUsed();
  if (doc._id !== undefined && !valuesEqual(next._id, doc._id)) {
    throw new ServerError(
      CODES.ImmutableField,
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  }
  return { doc: next, modified: changed(doc, next) };
}

function changed(a: Doc, b: Doc): boolean {
  return !Buffer.from(serialize(a)).equals(serialize(b));
}

function fail(code: number, msg: string): never {
  throw new ServerError(code, msg);
}

/** Sets a path, refusing to create fields inside scalars or non-numeric fields inside arrays. */
function assign(doc: Doc, parts: string[], value: Value): void {
  let cur: Value = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    const next: Value = Array.isArray(cur) ? (isArrayIndex(part) ? cur[Number(part)] : undefined) : (cur as Doc)[part];
    if (Array.isArray(cur) && !isArrayIndex(part)) {
      fail(
        CODES.PathNotViable,
        `Cannot create field '${part}' in element {${parts.slice(0, i).join('.')}: ${JSON.stringify(cur)}}`,
      );
    }
    if (next !== undefined && next !== null && !isPlainObject(next) && !Array.isArray(next)) {
      fail(CODES.PathNotViable, `Cannot create field '${parts[i + 1]}' in element {${part}: ${JSON.stringify(next)}}`);
    }
    if (next === undefined || next === null) break;
    cur = next;
  }
  const parent = getPath(doc, parts.slice(0, -1));
  if (Array.isArray(parent) && !isArrayIndex(parts[parts.length - 1]!)) {
    fail(
      CODES.PathNotViable,
      `Cannot create field '${parts[parts.length - 1]}' in element {${parts.slice(0, -1).join('.')}: [...]}`,
    );
  }
  setPath(doc, parts, value);
}

function numericOp(op: '$inc' | '$mul', doc: Doc, parts: string[], operand: Value): void {
  if (!isNumeric(operand)) {
    fail(
      CODES.TypeMismatch,
      `Cannot ${op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${parts.join('.')}: ${JSON.stringify(operand)}}`,
    );
  }
  const cur = getPath(doc, parts);
  if (cur === undefined) {
    assign(doc, parts, op === '$inc' ? operand : arith('mul', operand, 0));
    return;
  }
  if (!isNumeric(cur)) {
    fail(
      CODES.TypeMismatch,
      `Cannot apply ${op} to a value of non-numeric type. {_id: ${JSON.stringify(doc._id)}} has the field '${parts[parts.length - 1]}' of non-numeric type ${bsonTypeName(cur)}`,
    );
  }
  try {
    setPath(doc, parts, arith(op === '$inc' ? 'add' : 'mul', cur, operand));
  } catch (err) {
    if (err instanceof NumericOverflowError)
      fail(
        CODES.BadValue,
        `Failed to apply ${op} operations to current value (${JSON.stringify(cur)}) for document {_id: ${JSON.stringify(doc._id)}}: ${err.message}`,
      );
    throw err;
  }
}

function arrayAt(doc: Doc, parts: string[], op: string): Value[] | undefined {
  const cur = getPath(doc, parts);
  if (cur === undefined) return undefined;
  if (!Array.isArray(cur)) {
    fail(
      CODES.BadValue,
      `The field '${parts.join('.')}' must be an array but is of type ${bsonTypeName(cur)} in document {_id: ${JSON.stringify(doc._id)}}`,
    );
  }
  void op;
  return cur;
}

function applyOne(op: string, doc: Doc, parts: string[], operand: Value, opts: UpdateOptions): void {
  switch (op) {
    case '$set':
    case '$setOnInsert':
      assign(doc, parts, cloneValue(operand));
      return;
    case '$unset':
      unsetPath(doc, parts);
      return;
    case '$inc':
    case '$mul':
      numericOp(op, doc, parts, operand);
      return;
    case '$min':
    case '$max': {
      const cur = getPath(doc, parts);
      const c = cur === undefined ? 0 : compareValues(operand, cur, opts.strings);
      if (cur === undefined || (op === '$min' ? c < 0 : c > 0)) assign(doc, parts, cloneValue(operand));
      return;
    }
    case '$rename': {
      const to = (operand as string).split('.');
      if (to.join('.') === parts.join('.'))
        fail(CODES.BadValue, `The source and target field for $rename must differ: ${parts.join('.')}`);
      const parent = getPath(doc, parts.slice(0, -1));
      if (Array.isArray(parent))
        fail(
          CODES.BadValue,
          `The source field cannot be an array element, '${parts.join('.')}' in doc with _id: ${JSON.stringify(doc._id)}`,
        );
      const cur = getPath(doc, parts);
      if (cur === undefined) return;
      unsetPath(doc, parts);
      assign(doc, to, cur);
      return;
    }
    case '$currentDate': {
      const wantTs = isPlainObject(operand) && operand.$type === 'timestamp';
      if (isPlainObject(operand) && operand.$type !== 'date' && operand.$type !== 'timestamp') {
        fail(CODES.BadValue, "The '$type' string field is required to be 'date' or 'timestamp'");
      } else if (!isPlainObject(operand) && typeof operand !== 'boolean') {
        fail(
          CODES.BadValue,
          `${parts.join('.')} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).`,
        );
      }
      const now = Date.now();
      assign(doc, parts, wantTs ? new Timestamp({ t: Math.floor(now / 1000), i: 1 }) : new Date(now));
      return;
    }
    case '$push':
    case '$addToSet': {
      const cur = arrayAt(doc, parts, op) ?? [];
      const each = isPlainObject(operand) && '$each' in operand;
      const items = each ? (operand as Doc).$each : [operand];
      if (!Array.isArray(items))
        fail(
          CODES.BadValue,
          `The argument to $each in ${op} must be an array but it was of type ${bsonTypeName(items)}`,
        );
      let arr = [...cur];
      if (op === '$addToSet') {
        for (const item of items) if (!arr.some((x) => valuesEqual(x, item))) arr.push(cloneValue(item));
      } else {
        const o = operand as Doc;
        const pos = each && o.$position !== undefined ? toNumber(o.$position as never) : arr.length;
        const at = pos < 0 ? Math.max(0, arr.length + pos) : Math.min(pos, arr.length);
        arr.splice(at, 0, ...items.map(cloneValue));
        if (each && o.$sort !== undefined) arr = sortPush(arr, o.$sort);
        if (each && o.$slice !== undefined) {
          const n = toNumber(o.$slice as never);
          arr = n >= 0 ? arr.slice(0, n) : arr.slice(n);
        }
      }
      assign(doc, parts, arr);
      return;
    }
    case '$pop': {
      const cur = arrayAt(doc, parts, op);
      if (!cur || cur.length === 0) return;
      const dir = isNumeric(operand) ? toNumber(operand) : NaN;
      if (dir !== 1 && dir !== -1) fail(CODES.FailedToParse, `$pop expects 1 or -1, found: ${JSON.stringify(operand)}`);
      setPath(doc, parts, dir === 1 ? cur.slice(0, -1) : cur.slice(1));
      return;
    }
    case '$pull':
    case '$pullAll': {
      const cur = arrayAt(doc, parts, op);
      if (!cur) return;
      let keep: (x: Value) => boolean;
      if (op === '$pullAll') {
        if (!Array.isArray(operand))
          fail(CODES.BadValue, `$pullAll requires an array argument but was given a ${bsonTypeName(operand)}`);
        keep = (x) => !operand.some((v) => valuesEqual(x, v));
      } else if (isOperatorDoc(operand)) {
        const m = compileFilter({ v: operand }, { strings: opts.strings });
        keep = (x) => !m({ v: x });
      } else if (isPlainObject(operand)) {
        const m = compileFilter(operand, { strings: opts.strings });
        keep = (x) => !(isPlainObject(x) && m(x));
      } else keep = (x) => !valuesEqual(x, operand, opts.strings);
      setPath(doc, parts, cur.filter(keep));
      return;
    }
    default:
      fail(CODES.FailedToParse, `Unknown modifier: ${op}`);
  }
}

function sortPush(arr: Value[], spec: Value): Value[] {
  if (isNumeric(spec)) {
    const dir = toNumber(spec);
    return [...arr].sort((a, b) => compareValues(a, b) * dir);
  }
  const fields = parseSort(spec);
  return sortDocs(arr.map((v) => (isPlainObject(v) ? v : { '': v })) as Doc[], fields);
}
