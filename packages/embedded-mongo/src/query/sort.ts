import { badValue } from '../errors';
import { isNumeric, toNumber } from './numeric';
import { someAtPath } from './paths';
import { binaryCompare, compareValues, isPlainObject, type Doc, type StringCompare, type Value } from './values';

/** Marks a field holding an empty array: it sorts before null, as in MongoDB. */
const EMPTY_ARRAY = Symbol('emptyArray');

export interface SortField {
  parts: string[];
  dir: 1 | -1;
}

export function parseSort(spec: unknown): SortField[] {
  if (spec === undefined || spec === null) return [];
  if (!isPlainObject(spec)) throw badValue(`sort must be an object, got ${typeof spec}`);
  return Object.keys(spec).map((key) => {
    const v = spec[key];
    if (isPlainObject(v) && '$meta' in v) throw badValue('$meta sort is not supported by the embedded server');
    const n = isNumeric(v) ? toNumber(v) : NaN;
    if (n !== 1 && n !== -1)
      throw badValue(
        `$sort key ordering must be 1 (for ascending) or -1 (for descending), got ${JSON.stringify(v)} for '${key}'`,
      );
    return { parts: key.split('.'), dir: n };
  });
}

/**
 * The value a document sorts by on one field: for arrays the smallest element ascending and the
 * largest descending; missing is null; an empty array sorts before null.
 */
export function sortKey(
  doc: Doc,
  field: SortField,
  strings: StringCompare = binaryCompare,
): Value | typeof EMPTY_ARRAY {
  let best: Value | typeof EMPTY_ARRAY = EMPTY_ARRAY;
  let sawEmpty = false;
  let found = false;
  someAtPath(doc, field.parts, (v) => {
    if (Array.isArray(v)) {
      if (v.length === 0) sawEmpty = true;
      return false;
    }
    const val = v === undefined ? null : v;
    if (!found) best = val;
    else if (compareValues(val, best, strings) * field.dir < 0) best = val;
    found = true;
    return false;
  });
  if (found) return best;
  return sawEmpty ? EMPTY_ARRAY : null;
}

function compareKeys(a: Value | typeof EMPTY_ARRAY, b: Value | typeof EMPTY_ARRAY, strings: StringCompare): number {
  if (a === EMPTY_ARRAY || b === EMPTY_ARRAY) return a === b ? 0 : a === EMPTY_ARRAY ? -1 : 1;
  return compareValues(a, b, strings);
}

/** Sorts documents stably by a sort spec (keys computed once per document). */
export function sortDocs<T extends Doc>(docs: T[], spec: SortField[], strings: StringCompare = binaryCompare): T[] {
  if (spec.length === 0) return docs;
  const keyed = docs.map((doc, i) => ({ doc, i, keys: spec.map((f) => sortKey(doc, f, strings)) }));
  keyed.sort((x, y) => {
    for (let k = 0; k < spec.length; k++) {
      const c = compareKeys(x.keys[k], y.keys[k], strings);
      if (c !== 0) return c * spec[k]!.dir;
    }
    return x.i - y.i;
  });
  return keyed.map((k) => k.doc);
}
