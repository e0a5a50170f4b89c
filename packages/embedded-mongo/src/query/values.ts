import { compareNumbers, isNumeric, numericKey, numericKind } from './numeric';

/** Any value in a stored document (decoded with promoteValues: false, bsonRegExp: true). */
export type Value = unknown;
export type Doc = Record<string, unknown>;

/** Compares strings; a collation replaces the default binary order. */
export type StringCompare = (a: string, b: string) => number;

export const binaryCompare: StringCompare = (a, b) => (a === b ? 0 : a < b ? -1 : 1);

function bsontype(v: object): string | undefined {
  return (v as { _bsontype?: string })._bsontype;
}

export function isPlainObject(v: unknown): v is Doc {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  if (bsontype(v) !== undefined) return false;
  return !(v instanceof Date) && !(v instanceof RegExp) && !(v instanceof Uint8Array);
}

/** The BSON type name MongoDB's $type uses. */
export function bsonTypeName(v: Value): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  const kind = numericKind(v);
  if (kind) return kind;
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (v instanceof RegExp) return 'regex';
  if (v instanceof Uint8Array) return 'binData';
  switch (bsontype(v as object)) {
    case 'ObjectId':
      return 'objectId';
    case 'Binary':
      return 'binData';
    case 'Timestamp':
      return 'timestamp';
    case 'BSONRegExp':
      return 'regex';
    case 'MinKey':
      return 'minKey';
    case 'MaxKey':
      return 'maxKey';
    case 'Code':
      return (v as { scope?: unknown }).scope ? 'javascriptWithScope' : 'javascript';
    case 'BSONSymbol':
      return 'symbol';
    case 'DBRef':
      return 'object';
    default:
      return 'object';
  }
}

/** $type's numeric aliases. */
export const TYPE_NUMBERS: Record<number, string> = {
  1: 'double',
  2: 'string',
  3: 'object',
  4: 'array',
  5: 'binData',
  6: 'undefined',
  7: 'objectId',
  8: 'bool',
  9: 'date',
  10: 'null',
  11: 'regex',
  12: 'dbPointer',
  13: 'javascript',
  14: 'symbol',
  15: 'javascriptWithScope',
  16: 'int',
  17: 'timestamp',
  18: 'long',
  19: 'decimal',
  [-1]: 'minKey',
  127: 'maxKey',
};

/** MongoDB's canonical ordering of BSON types in comparisons and sorts. */
const TYPE_RANK: Record<string, number> = {
  minKey: 0,
  undefined: 5,
  null: 5,
  int: 10,
  long: 10,
  double: 10,
  decimal: 10,
  symbol: 15,
  string: 15,
  object: 20,
  array: 25,
  binData: 30,
  objectId: 35,
  bool: 40,
  date: 45,
  timestamp: 47,
  regex: 50,
  dbPointer: 55,
  javascript: 60,
  javascriptWithScope: 65,
  maxKey: 100,
};

export function typeRank(v: Value): number {
  return TYPE_RANK[bsonTypeName(v)] ?? 20;
}

function bytesOf(v: Value): Uint8Array {
  if (v instanceof Uint8Array) return v;
  const b = v as { buffer: Uint8Array; position?: number; sub_type?: number };
  return b.buffer.subarray(0, b.position ?? b.buffer.length);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function regexParts(v: Value): [string, string] {
  if (v instanceof RegExp) return [v.source, v.flags];
  const r = v as { pattern: string; options: string };
  return [r.pattern, r.options];
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Total order over BSON values, as MongoDB compares them in sorts and range queries. */
export function compareValues(a: Value, b: Value, strings: StringCompare = binaryCompare): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  const type = bsonTypeName(a);
  switch (ra) {
    case 0:
    case 5:
    case 100:
      return 0;
    case 10:
      return compareNumbers(a as never, b as never);
    case 15:
      return sign(strings(String(a), String(b)));
    case 20:
      return compareDocs(a as Doc, b as Doc, strings);
    case 25:
      return compareArrays(a as Value[], b as Value[], strings);
    case 30: {
      const x = bytesOf(a);
      const y = bytesOf(b);
      if (x.length !== y.length) return x.length < y.length ? -1 : 1;
      const sx = (a as { sub_type?: number }).sub_type ?? 0;
      const sy = (b as { sub_type?: number }).sub_type ?? 0;
      return sx !== sy ? (sx < sy ? -1 : 1) : compareBytes(x, y);
    }
    case 35:
      return compareBytes((a as { id: Uint8Array }).id, (b as { id: Uint8Array }).id);
    case 40:
      return a === b ? 0 : a ? 1 : -1;
    case 45:
      return sign((a as Date).getTime() - (b as Date).getTime());
    case 47: {
      const x = BigInt.asUintN(64, BigInt((a as { toString(): string }).toString()));
      const y = BigInt.asUintN(64, BigInt((b as { toString(): string }).toString()));
      return x === y ? 0 : x < y ? -1 : 1;
    }
    case 50: {
      const [pa, fa] = regexParts(a);
      const [pb, fb] = regexParts(b);
      return pa !== pb ? binaryCompare(pa, pb) : binaryCompare(fa, fb);
    }
    default:
      void type;
      return binaryCompare(String((a as { code?: string }).code ?? a), String((b as { code?: string }).code ?? b));
  }
}

function compareDocs(a: Doc, b: Doc, strings: StringCompare): number {
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const ta = typeRank(a[ka[i]!]);
    const tb = typeRank(b[kb[i]!]);
    if (ta !== tb) return ta < tb ? -1 : 1;
    if (ka[i] !== kb[i]) return binaryCompare(ka[i]!, kb[i]!);
    const c = compareValues(a[ka[i]!], b[kb[i]!], strings);
    if (c !== 0) return c;
  }
  return ka.length === kb.length ? 0 : ka.length < kb.length ? -1 : 1;
}

function compareArrays(a: Value[], b: Value[], strings: StringCompare): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i], b[i], strings);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Equality as MongoDB's $eq sees it: numbers by value, documents field-order sensitive. */
export function valuesEqual(a: Value, b: Value, strings: StringCompare = binaryCompare): boolean {
  if (a === b) return true;
  const ra = typeRank(a);
  if (ra !== typeRank(b)) return false;
  if (ra === 5) return true;
  return compareValues(a, b, strings) === 0;
}

/**
 * A string key such that valuesEqual(a, b) ⇔ hashKey(a) === hashKey(b) (binary collation).
 * Used for _id maps, index entries, $group and distinct.
 */
export function hashKey(v: Value): string {
  if (v === null || v === undefined) return 'n';
  if (typeof v === 'string') return `s${JSON.stringify(v)}`;
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (isNumeric(v)) return `#${numericKey(v)}`;
  if (Array.isArray(v)) return `[${v.map(hashKey).join(',')}]`;
  if (v instanceof Date) return `d${v.getTime()}`;
  const t = bsontype(v as object);
  if (t === 'ObjectId') return `o${(v as { toHexString(): string }).toHexString()}`;
  if (isPlainObject(v) || t === 'DBRef') {
    const d = (t === 'DBRef' ? (v as { toJSON(): Doc }).toJSON() : v) as Doc;
    return `{${Object.keys(d)
      .filter((k) => d[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${hashKey(d[k])}`)
      .join(',')}}`;
  }
  if (t === 'Binary' || v instanceof Uint8Array) {
    return `b${(v as { sub_type?: number }).sub_type ?? 0}:${Buffer.from(bytesOf(v)).toString('hex')}`;
  }
  if (t === 'Timestamp') return `t${(v as { toString(): string }).toString()}`;
  if (t === 'MinKey' || t === 'MaxKey') return t;
  if (t === 'BSONRegExp' || v instanceof RegExp) return `r${regexParts(v).join('/')}`;
  return `${bsonTypeName(v)}:${String((v as { code?: string }).code ?? JSON.stringify(v))}`;
}
