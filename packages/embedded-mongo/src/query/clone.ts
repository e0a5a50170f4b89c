import { isPlainObject, type Doc, type Value } from './values';

/** Deep copy of documents and arrays; BSON value objects are immutable and shared. */
export function cloneValue<T extends Value>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneValue) as T;
  if (isPlainObject(v)) {
    const out: Doc = {};
    for (const k of Object.keys(v)) out[k] = cloneValue(v[k]);
    return out as T;
  }
  if (v instanceof Date) return new Date(v.getTime()) as T;
  return v;
}
