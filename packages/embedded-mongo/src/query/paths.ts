import { isPlainObject, type Doc, type Value } from './values';

const INDEX = /^(0|[1-9]\d*)$/;

export function isArrayIndex(part: string): boolean {
  return INDEX.test(part);
}

/** The value at a dotted path without array traversal (numeric parts index arrays). */
export function getPath(doc: Value, path: string | string[]): Value {
  const parts = typeof path === 'string' ? path.split('.') : path;
  let cur: Value = doc;
  for (const part of parts) {
    if (Array.isArray(cur)) {
      if (!isArrayIndex(part)) return undefined;
      cur = cur[Number(part)];
    } else if (isPlainObject(cur)) {
      cur = cur[part];
    } else {
      return undefined;
    }
  }
  return cur;
}

/**
 * Visits the values a query path reaches, descending into arrays of documents the way MongoDB does.
 * `visit(value, arrayIndex)` returns true to stop; arrayIndex is the position in the first array crossed.
 * `expandLeaf`: whether a leaf array's elements are offered too (false for $size, $elemMatch on arrays).
 */
export function someAtPath(
  doc: Value,
  parts: string[],
  visit: (value: Value, arrayIndex: number | undefined) => boolean,
  expandLeaf = true,
): boolean {
  return walk(doc, parts, 0, visit, expandLeaf, undefined);
}

function walk(
  value: Value,
  parts: string[],
  i: number,
  visit: (value: Value, arrayIndex: number | undefined) => boolean,
  expandLeaf: boolean,
  pos: number | undefined,
): boolean {
  if (i === parts.length) {
    if (visit(value, pos)) return true;
    if (expandLeaf && Array.isArray(value)) {
      for (let k = 0; k < value.length; k++) if (visit(value[k], pos ?? k)) return true;
    }
    return false;
  }
  const part = parts[i]!;
  if (Array.isArray(value)) {
    if (isArrayIndex(part) && Number(part) < value.length) {
      if (walk(value[Number(part)], parts, i + 1, visit, expandLeaf, pos)) return true;
    }
    let any = false;
    for (let k = 0; k < value.length; k++) {
      const el = value[k];
      if (isPlainObject(el)) {
        any = true;
        if (walk(el[part], parts, i + 1, visit, expandLeaf, pos ?? k)) return true;
      }
    }
    // An array with no documents offers "missing" once, so { 'a.b': null } matches { a: [1] }.
    if (!any && !isArrayIndex(part)) return walk(undefined, parts, parts.length, visit, false, pos);
    return false;
  }
  if (isPlainObject(value)) return walk(value[part], parts, i + 1, visit, expandLeaf, pos);
  return walk(undefined, parts, parts.length, visit, false, pos);
}

/** Sets a dotted path, creating documents on the way; numeric parts index existing arrays. */
export function setPath(doc: Doc, parts: string[], value: Value): void {
  let cur: Value = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    let next: Value = Array.isArray(cur) ? cur[Number(part)] : (cur as Doc)[part];
    if (next === undefined || next === null) {
      next = {};
      if (Array.isArray(cur)) {
        while (cur.length < Number(part)) cur.push(null);
        cur[Number(part)] = next;
      } else (cur as Doc)[part] = next;
    }
    cur = next;
  }
  const last = parts[parts.length - 1]!;
  if (Array.isArray(cur)) {
    const idx = Number(last);
    while (cur.length < idx) cur.push(null);
    cur[idx] = value;
  } else (cur as Record<string, unknown>)[last] = value;
}

export function unsetPath(doc: Doc, parts: string[]): boolean {
  const parent = getPath(doc, parts.slice(0, -1));
  const last = parts[parts.length - 1]!;
  if (Array.isArray(parent)) {
    if (!isArrayIndex(last) || Number(last) >= parent.length) return false;
    parent[Number(last)] = null;
    return true;
  }
  if (isPlainObject(parent) && last in parent) {
    delete parent[last];
    return true;
  }
  return false;
}
