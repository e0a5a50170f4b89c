import { Decimal128, Double, Int32, Long } from 'bson';

/** A BSON number as the server holds it (documents are decoded with promoteValues: false). */
export type BsonNumber = Int32 | Long | Double | Decimal128 | number | bigint;
export type NumericKind = 'int' | 'long' | 'double' | 'decimal';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

export function numericKind(v: unknown): NumericKind | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX ? 'int' : 'double';
  if (typeof v === 'bigint') return 'long';
  if (v === null || typeof v !== 'object') return null;
  switch ((v as { _bsontype?: string })._bsontype) {
    case 'Int32':
      return 'int';
    case 'Long':
      return 'long';
    case 'Double':
      return 'double';
    case 'Decimal128':
      return 'decimal';
    default:
      return null;
  }
}

export function isNumeric(v: unknown): v is BsonNumber {
  return numericKind(v) !== null;
}

/** The nearest JS number; Decimal128 and large Longs lose precision. */
export function toNumber(v: BsonNumber): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if ((v as { _bsontype?: string })._bsontype === 'Long') return (v as unknown as Long).toNumber();
  if ((v as Decimal128)._bsontype === 'Decimal128') return Number((v as Decimal128).toString());
  return (v as Int32 | Double).value;
}

/** Exact decimal: value = coef * 10^exp. Used for Decimal128 arithmetic and comparison. */
interface Dec {
  coef: bigint;
  exp: number;
  special?: 'nan' | 'inf' | '-inf';
}

function toDec(v: BsonNumber): Dec {
  const kind = numericKind(v);
  if (kind === 'int' || kind === 'long') return { coef: toBigInt(v), exp: 0 };
  const s = kind === 'decimal' ? (v as Decimal128).toString() : formatDouble(toNumber(v));
  if (s === 'NaN') return { coef: 0n, exp: 0, special: 'nan' };
  if (s === 'Infinity') return { coef: 0n, exp: 0, special: 'inf' };
  if (s === '-Infinity') return { coef: 0n, exp: 0, special: '-inf' };
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) return { coef: 0n, exp: 0, special: 'nan' };
  const frac = m[3] ?? '';
  const coef = BigInt((m[1] === '-' ? '-' : '') + ((m[2] ?? '') + frac || '0'));
  return { coef, exp: Number(m[4] ?? 0) - frac.length };
}

function formatDouble(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  return String(n);
}

function fromDec(d: Dec): Decimal128 {
  if (d.special === 'nan') return Decimal128.fromString('NaN');
  if (d.special === 'inf') return Decimal128.fromString('Infinity');
  if (d.special === '-inf') return Decimal128.fromString('-Infinity');
  return Decimal128.fromString(`${d.coef.toString()}E${d.exp}`);
}

function align(a: Dec, b: Dec): [bigint, bigint] {
  const exp = Math.min(a.exp, b.exp);
  return [a.coef * 10n ** BigInt(a.exp - exp), b.coef * 10n ** BigInt(b.exp - exp)];
}

function decSpecialRank(d: Dec): number | null {
  if (d.special === 'nan') return -Infinity;
  if (d.special === '-inf') return -1e308;
  if (d.special === 'inf') return 1e308;
  return null;
}

function compareDec(a: Dec, b: Dec): number {
  const ra = decSpecialRank(a);
  const rb = decSpecialRank(b);
  if (ra !== null || rb !== null) {
    const x = ra ?? 0;
    const y = rb ?? 0;
    if (ra !== null && rb !== null) return x === y ? 0 : x < y ? -1 : 1;
    if (ra !== null) return ra < 0 ? -1 : 1;
    return rb! < 0 ? 1 : -1;
  }
  const [x, y] = align(a, b);
  return x === y ? 0 : x < y ? -1 : 1;
}

function toBigInt(v: BsonNumber): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if ((v as Long)._bsontype === 'Long') return BigInt((v as Long).toString());
  return BigInt(Math.trunc(toNumber(v)));
}

/** MongoDB numeric comparison: NaN sorts below every other number and equals NaN. */
export function compareNumbers(a: BsonNumber, b: BsonNumber): number {
  const ka = numericKind(a)!;
  const kb = numericKind(b)!;
  if (ka === 'decimal' || kb === 'decimal') return compareDec(toDec(a), toDec(b));
  if ((ka === 'int' || ka === 'long') && (kb === 'int' || kb === 'long')) {
    const x = toBigInt(a);
    const y = toBigInt(b);
    return x === y ? 0 : x < y ? -1 : 1;
  }
  const x = toNumber(a);
  const y = toNumber(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : -1) : 1;
  // A long beyond 2^53 compared with a double: compare exactly through decimals.
  if ((ka === 'long' || kb === 'long') && (Math.abs(x) >= 2 ** 53 || Math.abs(y) >= 2 ** 53)) {
    return compareDec(toDec(a), toDec(b));
  }
  return x === y ? 0 : x < y ? -1 : 1;
}

const RANK: Record<NumericKind, number> = { int: 0, long: 1, double: 2, decimal: 3 };

function wrap(kind: NumericKind, value: bigint | number): BsonNumber {
  if (kind === 'int') return new Int32(Number(value));
  if (kind === 'long') return Long.fromBigInt(value as bigint);
  return new Double(Number(value));
}

export class NumericOverflowError extends Error {}

/** Addition or multiplication with MongoDB's promotion: int32 → long on overflow, long overflow is an error. */
export function arith(op: 'add' | 'mul', a: BsonNumber, b: BsonNumber): BsonNumber {
  const ka = numericKind(a)!;
  const kb = numericKind(b)!;
  const kind = RANK[ka] >= RANK[kb] ? ka : kb;
  if (kind === 'decimal') {
    const x = toDec(a);
    const y = toDec(b);
    if (x.special || y.special) {
      const r = op === 'add' ? toNumber(a) + toNumber(b) : toNumber(a) * toNumber(b);
      return Decimal128.fromString(formatDouble(r));
    }
    if (op === 'mul') return fromDec({ coef: x.coef * y.coef, exp: x.exp + y.exp });
    const [p, q] = align(x, y);
    return fromDec({ coef: p + q, exp: Math.min(x.exp, y.exp) });
  }
  if (kind === 'double') return wrap('double', op === 'add' ? toNumber(a) + toNumber(b) : toNumber(a) * toNumber(b));
  const r = op === 'add' ? toBigInt(a) + toBigInt(b) : toBigInt(a) * toBigInt(b);
  if (kind === 'int' && r >= BigInt(INT32_MIN) && r <= BigInt(INT32_MAX)) return wrap('int', r);
  if (r < LONG_MIN || r > LONG_MAX)
    throw new NumericOverflowError(`integer overflow: ${String(r)} does not fit in a 64-bit long`);
  return wrap('long', r);
}

/** A hashable key under which numerically equal values (1, 1.0, NumberLong(1), Decimal 1.0) meet. */
export function numericKey(v: BsonNumber): string {
  const d = toDec(v);
  if (d.special) return d.special;
  let { coef, exp } = d;
  if (coef === 0n) return '0';
  while (coef % 10n === 0n) {
    coef /= 10n;
    exp += 1;
  }
  if (exp >= 0) return (coef * 10n ** BigInt(exp)).toString();
  return `${coef}e${exp}`;
}
