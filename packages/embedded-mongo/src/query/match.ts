import { badValue } from '../errors';
import { evaluate, truthy } from './expressions';
import { isNumeric, toNumber } from './numeric';
import { someAtPath } from './paths';
import { asRegExp } from './regex';
import { bitsPred, regexMatch, typePred } from './value-tests';
import {
  binaryCompare,
  bsonTypeName,
  compareValues,
  hashKey,
  isPlainObject,
  typeRank,
  valuesEqual,
  type Doc,
  type StringCompare,
  type Value,
} from './values';

export interface MatchOptions {
  /** String comparison from the operation's collation; binary by default. */
  strings?: StringCompare;
  /** `let` variables for $expr. */
  variables?: Doc;
}

/** Per-document match state: the array position the positional `$` update operator refers to. */
export interface MatchState {
  arrayIndex?: number;
}

export type Matcher = (doc: Doc, state?: MatchState) => boolean;

/** Offers the values at some path (or one value) to a predicate, with or without leaf-array expansion. */
type Visitor = (visit: (v: Value, pos: number | undefined) => boolean, expandLeaf: boolean) => boolean;
type FieldPred = (visitor: Visitor, state: MatchState) => boolean;

/** Compiles a query filter; errors in the filter are thrown now, as MongoDB rejects them before running. */
export function compileFilter(filter: unknown, opts: MatchOptions = {}): Matcher {
  if (filter === undefined || filter === null) return () => true;
  if (!isPlainObject(filter)) throw badValue(`filter must be an object, got ${bsonTypeName(filter)}`);
  const c = new Compiler(opts);
  const pred = c.doc(filter);
  return (doc, state = {}) => pred(doc, state);
}

class Compiler {
  private readonly strings: StringCompare;
  constructor(private readonly opts: MatchOptions) {
    this.strings = opts.strings ?? binaryCompare;
  }

  doc(filter: Doc): (doc: Doc, st: MatchState) => boolean {
    const preds = Object.keys(filter).map((k) => this.key(k, filter[k]));
    return (doc, st) => preds.every((p) => p(doc, st));
  }

  private key(key: string, value: Value): (doc: Doc, st: MatchState) => boolean {
    if (key.startsWith('$')) return this.logical(key, value);
    const parts = key.split('.');
    const pred = this.fieldOps(value);
    return (doc, st) => pred((visit, expand) => someAtPath(doc, parts, visit, expand), st);
  }

  private logical(op: string, value: Value): (doc: Doc, st: MatchState) => boolean {
    switch (op) {
      case '$and':
      case '$or':
      case '$nor': {
        if (!Array.isArray(value) || value.length === 0) throw badValue(`${op} argument must be a non-empty array`);
        const subs = value.map((v) => {
          if (!isPlainObject(v)) throw badValue(`${op} argument's entries must be objects`);
          return this.doc(v);
        });
        if (op === '$and') return (d, st) => subs.every((s) => s(d, st));
        if (op === '$or') return (d, st) => subs.some((s) => s(d, st));
        return (d, st) => !subs.some((s) => s(d, st));
      }
      case '$expr':
        return (d) => truthy(evaluate(value, d, { variables: this.opts.variables }));
      case '$comment':
        return () => true;
      case '$alwaysTrue':
        return () => true;
      case '$alwaysFalse':
        return () => false;
      case '$where':
      case '$text':
      case '$jsonSchema':
        throw badValue(`${op} is not supported by the embedded server; use a real MongoDB through MONGODB_URI`);
      default:
        throw badValue(`unknown top level operator: ${op}`);
    }
  }

  /** A field's condition: an operator document, a regex, or a value to equal. */
  private fieldOps(value: Value): FieldPred {
    if (isOperatorDoc(value)) {
      const ops = value as Doc;
      const preds = Object.keys(ops)
        .filter((k) => k !== '$options')
        .map((k) => this.op(k, ops[k], ops));
      if ('$options' in ops && !('$regex' in ops)) throw badValue('$options needs a $regex');
      return (visitor, st) => preds.every((p) => p(visitor, st));
    }
    const re = asRegExp(value);
    if (re) return positive((v) => regexMatch(re, v) || valuesEqual(v, value));
    return positive(this.equals(value));
  }

  private equals(operand: Value): (v: Value) => boolean {
    if (operand === null || operand === undefined) return (v) => v === null || v === undefined;
    return (v) => valuesEqual(v, operand, this.strings);
  }

  private inPred(list: Value, op: string): (v: Value) => boolean {
    if (!Array.isArray(list)) throw badValue(`${op} needs an array`);
    // Large $in lists (DataLoader batches) are answered by hash lookups under the binary collation.
    if (
      this.strings === binaryCompare &&
      list.every((item) => item !== null && item !== undefined && !asRegExp(item) && !isOperatorDoc(item))
    ) {
      const keys = new Set(list.map(hashKey));
      return (v) => keys.has(hashKey(v));
    }
    const tests = list.map((item) => {
      if (isOperatorDoc(item)) throw badValue(`cannot nest $ under ${op}`);
      const re = asRegExp(item);
      return re ? (v: Value) => regexMatch(re, v) : this.equals(item);
    });
    return (v) => tests.some((t) => t(v));
  }

  private compare(op: string, operand: Value): (v: Value) => boolean {
    const rank = typeRank(operand);
    const test = {
      $gt: (c: number) => c > 0,
      $gte: (c: number) => c >= 0,
      $lt: (c: number) => c < 0,
      $lte: (c: number) => c <= 0,
    }[op]!;
    if (operand && typeof operand === 'object' && (operand as { _bsontype?: string })._bsontype === 'MinKey') {
      return (v) => test(compareValues(v, operand));
    }
    if (operand && typeof operand === 'object' && (operand as { _bsontype?: string })._bsontype === 'MaxKey') {
      return (v) => test(compareValues(v, operand));
    }
    return (v) => typeRank(v) === rank && test(compareValues(v, operand, this.strings));
  }

  private op(op: string, operand: Value, all: Doc): FieldPred {
    switch (op) {
      case '$eq':
        return positive(this.equals(operand));
      case '$ne':
        return negate(positive(this.equals(operand)));
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        return positive(this.compare(op, operand));
      case '$in':
        return positive(this.inPred(operand, op));
      case '$nin':
        return negate(positive(this.inPred(operand, op)));
      case '$exists': {
        const want = truthy(operand);
        const exists: FieldPred = (visitor) => visitor((v) => v !== undefined, false);
        return want ? exists : negate(exists);
      }
      case '$type':
        return positive(typePred(operand));
      case '$size': {
        if (!isNumeric(operand) || !Number.isInteger(toNumber(operand)) || toNumber(operand) < 0) {
          throw badValue(`$size needs a non-negative whole number, got ${JSON.stringify(operand)}`);
        }
        const n = toNumber(operand);
        return (visitor, st) => visitor((v, pos) => record(st, pos, Array.isArray(v) && v.length === n), false);
      }
      case '$regex': {
        const src = asRegExp(operand);
        const options = all.$options;
        if (options !== undefined && typeof options !== 'string') throw badValue('$options has to be a string');
        let re: RegExp;
        if (src)
          re = options
            ? asRegExp({ _bsontype: 'BSONRegExp', pattern: src.source, options: src.flags + options })!
            : src;
        else if (typeof operand === 'string')
          re = asRegExp({ _bsontype: 'BSONRegExp', pattern: operand, options: options ?? '' })!;
        else throw badValue('$regex has to be a string');
        return positive((v) => regexMatch(re, v));
      }
      case '$mod': {
        if (!Array.isArray(operand) || operand.length !== 2) {
          throw badValue(`malformed mod, needs [divisor, remainder], got ${JSON.stringify(operand)}`);
        }
        const [d, r] = operand.map((x) => (isNumeric(x) ? Math.trunc(toNumber(x)) : NaN));
        if (Number.isNaN(d) || Number.isNaN(r)) throw badValue('malformed mod, divisor and remainder must be numbers');
        if (d === 0) throw badValue('divisor cannot be 0');
        return positive((v) => isNumeric(v) && Number.isFinite(toNumber(v)) && Math.trunc(toNumber(v)) % d! === r);
      }
      case '$not': {
        const re = asRegExp(operand);
        if (re) return negate(positive((v) => regexMatch(re, v)));
        if (!isPlainObject(operand) || Object.keys(operand).length === 0)
          throw badValue('$not needs a regex or a document');
        if (!isOperatorDoc(operand)) throw badValue('$not needs operators, not a value');
        return negate(this.fieldOps(operand));
      }
      case '$all': {
        if (!Array.isArray(operand)) throw badValue('$all needs an array');
        if (operand.length === 0) return () => false;
        const preds = operand.map((item) =>
          isPlainObject(item) && '$elemMatch' in item
            ? this.op('$elemMatch', item.$elemMatch, item)
            : this.fieldOps(item),
        );
        return (visitor, st) => preds.every((p) => p(visitor, st));
      }
      case '$elemMatch': {
        if (!isPlainObject(operand)) throw badValue('$elemMatch needs an Object');
        const keys = Object.keys(operand);
        const valueOps =
          keys.length > 0 &&
          keys.every((k) => k.startsWith('$') && !['$and', '$or', '$nor', '$expr', '$where'].includes(k));
        let elementTest: (el: Value) => boolean;
        if (valueOps) {
          const ops = this.fieldOps(operand);
          elementTest = (el) => ops((visit) => visit(el, undefined), {});
        } else {
          const sub = this.doc(operand);
          elementTest = (el) => isPlainObject(el) && sub(el, {});
        }
        return (visitor, st) =>
          visitor((v, pos) => {
            if (!Array.isArray(v)) return false;
            const idx = v.findIndex(elementTest);
            return idx >= 0 && record(st, pos ?? idx, true);
          }, false);
      }
      case '$comment':
        return () => true;
      case '$near':
      case '$nearSphere':
      case '$geoWithin':
      case '$geoIntersects':
        throw badValue(`${op} is not supported by the embedded server; use a real MongoDB through MONGODB_URI`);
      case '$bitsAllSet':
      case '$bitsAnySet':
      case '$bitsAllClear':
      case '$bitsAnyClear':
        return positive(bitsPred(op, operand));
      default:
        throw badValue(`unknown operator: ${op}`);
    }
  }
}

function record(st: MatchState, pos: number | undefined, ok: boolean): boolean {
  if (ok && st.arrayIndex === undefined && pos !== undefined) st.arrayIndex = pos;
  return ok;
}

function positive(test: (v: Value) => boolean): FieldPred {
  return (visitor, st) => visitor((v, pos) => record(st, pos, test(v)), true);
}

function negate(pred: FieldPred): FieldPred {
  return (visitor) => !pred(visitor, {});
}

/** An object whose first key is an operator: { $gt: 1 } rather than a document to equal. */
export function isOperatorDoc(v: Value): boolean {
  if (!isPlainObject(v)) return false;
  const first = Object.keys(v)[0];
  return first !== undefined && first.startsWith('$');
}
