import { Decimal128 } from 'mongodb';

/**
 * Result matching of MongoDB's unified test format: extra fields are allowed only in root-level
 * documents, numbers compare by value across int/long/double, and the $$ operators the CRUD
 * tests use are understood. Returns null on a match, else the path and reason of the first mismatch.
 */
export function mismatch(expected: unknown, actual: unknown, root = true, path = '$'): string | null {
  if (isObject(expected)) {
    const keys = Object.keys(expected);
    if (keys.length === 1 && keys[0]!.startsWith('$$'))
      return special(keys[0]!, expected[keys[0]!], actual, root, path);
  }
  const ne = numeric(expected);
  if (ne !== null) {
    const na = numeric(actual);
    return na !== null && na === ne ? null : `${path}: expected ${ne}, got ${show(actual)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${show(actual)}`;
    if (actual.length !== expected.length)
      return `${path}: expected ${expected.length} elements, got ${actual.length}: ${show(actual)}`;
    // Documents of a root-level array (a find or aggregate result) are root-level too.
    for (let i = 0; i < expected.length; i++) {
      const m = mismatch(expected[i], actual[i], root, `${path}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (isObject(expected) && !hasBsonType(expected)) {
    if (!isObject(actual)) return `${path}: expected a document, got ${show(actual)}`;
    for (const k of Object.keys(expected)) {
      const v = expected[k];
      if (isObject(v) && Object.keys(v)[0] === '$$exists') {
        const exists = actual[k] !== undefined;
        if (exists !== v.$$exists) return `${path}.${k}: expected to ${v.$$exists ? '' : 'not '}exist`;
        continue;
      }
      if (isObject(v) && Object.keys(v)[0] === '$$unsetOrMatches' && actual[k] === undefined) continue;
      const m = mismatch(v, actual[k], false, `${path}.${k}`);
      if (m) return m;
    }
    if (!root) {
      const extra = Object.keys(actual).filter((k) => actual[k] !== undefined && !(k in expected));
      if (extra.length) return `${path}: unexpected fields ${extra.join(', ')}`;
    }
    return null;
  }
  return sameScalar(expected, actual) ? null : `${path}: expected ${show(expected)}, got ${show(actual)}`;
}

function special(op: string, arg: unknown, actual: unknown, root: boolean, path: string): string | null {
  switch (op) {
    case '$$unsetOrMatches':
      return actual === undefined ? null : mismatch(arg, actual, root, path);
    case '$$exists':
      return (actual !== undefined) === arg ? null : `${path}: expected to ${arg ? '' : 'not '}exist`;
    case '$$type': {
      const types = Array.isArray(arg) ? arg : [arg];
      return types.some((t) => typeMatches(String(t), actual))
        ? null
        : `${path}: expected type ${types.join('|')}, got ${show(actual)}`;
    }
    case '$$lte': {
      const a = numeric(actual);
      const e = numeric(arg);
      return a !== null && e !== null && a <= e ? null : `${path}: expected <= ${show(arg)}, got ${show(actual)}`;
    }
    default:
      return `${path}: the runner does not know ${op}`;
  }
}

function typeMatches(type: string, v: unknown): boolean {
  const bt = (v as { _bsontype?: string } | null)?._bsontype;
  switch (type) {
    case 'int':
      return (typeof v === 'number' && Number.isInteger(v)) || bt === 'Int32';
    case 'long':
      return bt === 'Long' || (typeof v === 'number' && Number.isInteger(v));
    case 'double':
      return typeof v === 'number' || bt === 'Double';
    case 'string':
      return typeof v === 'string';
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'bool':
      return typeof v === 'boolean';
    case 'date':
      return v instanceof Date;
    case 'objectId':
      return bt === 'ObjectId';
    case 'null':
      return v === null;
    case 'binData':
      return bt === 'Binary';
    case 'timestamp':
      return bt === 'Timestamp';
    case 'decimal':
      return bt === 'Decimal128';
    default:
      return false;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}

function hasBsonType(v: Record<string, unknown>): boolean {
  return typeof v._bsontype === 'string';
}

function numeric(v: unknown): number | null {
  if (typeof v === 'number') return v;
  const bt = (v as { _bsontype?: string } | null)?._bsontype;
  if (bt === 'Int32' || bt === 'Double') return (v as { value: number }).value;
  if (bt === 'Long') return (v as { toNumber(): number }).toNumber();
  return null;
}

function sameScalar(e: unknown, a: unknown): boolean {
  if (e instanceof Date) return a instanceof Date && a.getTime() === e.getTime();
  const bt = (e as { _bsontype?: string } | null)?._bsontype;
  if (bt === 'Decimal128') return (a as Decimal128 | null)?._bsontype === 'Decimal128' && String(a) === String(e);
  if (bt === 'ObjectId')
    return (a as { _bsontype?: string } | null)?._bsontype === 'ObjectId' && String(a) === String(e);
  if (bt === 'Binary')
    return (
      (a as { _bsontype?: string } | null)?._bsontype === 'Binary' &&
      Buffer.from((a as { buffer: Uint8Array }).buffer).equals(Buffer.from((e as { buffer: Uint8Array }).buffer))
    );
  if (bt) return show(e) === show(a);
  return e === a;
}

function show(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
