import { badValue, CODES, ServerError } from '../errors';
import { isNumeric, toNumber } from './numeric';
import { bsonTypeName, TYPE_NUMBERS, type Value } from './values';

/* Tests on one value that need nothing of the filter around them: $type, the $bits operators, a regex. */

const NUMBER_TYPES = new Set(['int', 'long', 'double', 'decimal']);

/** Whether a regex matches a value: strings and BSON symbols only, as MongoDB. */
export function regexMatch(re: RegExp, v: Value): boolean {
  if (typeof v === 'string') {
    re.lastIndex = 0;
    return re.test(v);
  }
  if (v && typeof v === 'object' && (v as { _bsontype?: string })._bsontype === 'BSONSymbol') return re.test(String(v));
  return false;
}

/** $type: by number or alias, or a list of them; 'number' stands for every numeric type. */
export function typePred(operand: Value): (v: Value) => boolean {
  const list = Array.isArray(operand) ? operand : [operand];
  if (list.length === 0) throw badValue('$type must match at least one type');
  const names = list.map((t) => {
    if (isNumeric(t)) {
      const name = TYPE_NUMBERS[toNumber(t)];
      if (!name) throw badValue(`Invalid numerical type code: ${toNumber(t)}`);
      return name;
    }
    if (typeof t === 'string') {
      if (t !== 'number' && !Object.values(TYPE_NUMBERS).includes(t)) throw badValue(`Unknown type name alias: ${t}`);
      return t;
    }
    throw new ServerError(
      CODES.TypeMismatch,
      `type must be represented as a number or a string, got ${bsonTypeName(t)}`,
    );
  });
  return (v) => {
    if (v === undefined) return false;
    const name = bsonTypeName(v);
    return names.some((n) => n === name || (n === 'number' && NUMBER_TYPES.has(name)));
  };
}

export function bitsPred(op: string, operand: Value): (v: Value) => boolean {
  let mask = 0n;
  if (Array.isArray(operand))
    for (const p of operand) {
      if (!isNumeric(p)) throw badValue(`${op} bit positions must be numbers`);
      mask |= 1n << BigInt(toNumber(p));
    }
  else if (isNumeric(operand)) mask = BigInt(Math.trunc(toNumber(operand)));
  else throw badValue(`${op} takes a bitmask number or an array of bit positions`);
  return (v) => {
    if (!isNumeric(v) || !Number.isInteger(toNumber(v))) return false;
    const x = BigInt.asUintN(64, BigInt(toNumber(v)));
    const hit = x & mask;
    if (op === '$bitsAllSet') return hit === mask;
    if (op === '$bitsAnySet') return hit !== 0n;
    if (op === '$bitsAllClear') return hit === 0n;
    return hit !== mask;
  };
}
