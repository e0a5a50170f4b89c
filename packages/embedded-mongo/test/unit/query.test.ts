import { Decimal128, Double, Int32, Long, ObjectId } from 'bson';
import { compileFilter } from '../../src/query/match';
import { arith, compareNumbers, numericKey } from '../../src/query/numeric';
import { applyUpdate } from '../../src/query/update';
import { compareValues, hashKey, valuesEqual } from '../../src/query/values';

/** Query semantics without I/O: comparisons, hashing, matching and update operators. */
describe('numbers', () => {
  test('compare across BSON number types', () => {
    expect(compareNumbers(new Int32(2), Long.fromNumber(2))).toBe(0);
    expect(compareNumbers(Decimal128.fromString('2.50'), new Double(2.5))).toBe(0);
    expect(compareNumbers(Long.fromString('9007199254740993'), new Double(9007199254740992))).toBe(1);
    expect(compareNumbers(new Double(NaN), new Int32(-1000))).toBe(-1);
  });

  test('equal numbers of different types hash alike', () => {
    expect(numericKey(new Int32(7))).toBe(numericKey(Decimal128.fromString('7.000')));
    expect(hashKey({ a: new Double(1.5) })).toBe(hashKey({ a: Decimal128.fromString('1.50') }));
    expect(hashKey({ a: 1, b: 2 })).not.toBe(hashKey({ b: 2, a: 1 }));
  });

  test('arithmetic promotes like MongoDB', () => {
    expect(arith('add', new Int32(2147483647), new Int32(1))).toEqual(Long.fromString('2147483648'));
    expect(arith('add', new Int32(1), new Int32(1))).toEqual(new Int32(2));
    expect(String(arith('add', Decimal128.fromString('0.1'), new Double(0.2)))).toBe('0.3');
    expect(() => arith('mul', Long.fromString('9223372036854775807'), new Int32(2))).toThrow(/overflow/);
  });
});

describe('values', () => {
  test('separate ObjectId instances are equal', () => {
    const id = new ObjectId();
    expect(valuesEqual(id, new ObjectId(id.toHexString()))).toBe(true);
    expect(hashKey(id)).toBe(hashKey(new ObjectId(id.toHexString())));
  });
  test('type order comes before value', () => {
    expect(compareValues(1000, 'a')).toBeLessThan(0);
    expect(compareValues(null, 0)).toBeLessThan(0);
    expect(compareValues(new ObjectId(), true)).toBeLessThan(0);
  });
});

describe('filters', () => {
  const doc = { _id: 1, tags: ['a', 'b'], items: [{ k: 1 }, { k: 5 }], n: new Int32(3) };
  test.each([
    [{ tags: 'a' }, true],
    [{ tags: ['a', 'b'] }, true],
    [{ 'items.k': 5 }, true],
    [{ items: { $elemMatch: { k: { $gt: 2, $lt: 6 } } } }, true],
    [{ items: { $elemMatch: { k: { $gt: 5 } } } }, false],
    [{ tags: { $size: 2 } }, true],
    [{ tags: { $all: ['b', 'a'] } }, true],
    [{ n: { $in: [Long.fromNumber(3)] } }, true],
    [{ n: { $nin: [3] } }, false],
    [{ missing: { $ne: 1 } }, true],
    [{ $or: [{ n: 4 }, { tags: /^b/ }] }, true],
    [{ $nor: [{ n: 3 }] }, false],
    [{ n: { $not: { $gt: 2 } } }, false],
    [{ n: { $mod: [2, 1] } }, true],
    [{ $expr: { $gt: ['$n', 2] } }, true],
  ])('%j → %s', (filter, expected) => {
    expect(compileFilter(filter)(doc)).toBe(expected);
  });
  test('bad operators are refused when compiled', () => {
    expect(() => compileFilter({ a: { $bogus: 1 } })).toThrow(/unknown operator: \$bogus/);
    expect(() => compileFilter({ $and: [] })).toThrow(/non-empty array/);
    expect(() => compileFilter({ a: { $in: 5 } })).toThrow(/\$in needs an array/);
    expect(() => compileFilter({ a: { $bitsAllSet: ['x'] } })).toThrow(/bit positions must be numbers/);
  });
});

describe('updates', () => {
  test('operators apply to a copy and report modification', () => {
    const doc = { _id: 1, a: 1, list: [3, 1, 2] };
    const { doc: next, modified } = applyUpdate(doc, {
      $set: { b: 2 },
      $push: { list: { $each: [0], $sort: 1 } },
      $unset: { a: '' },
    });
    expect(modified).toBe(true);
    expect(next).toEqual({ _id: 1, list: [0, 1, 2, 3], b: 2 });
    expect(doc).toEqual({ _id: 1, a: 1, list: [3, 1, 2] });
    expect(applyUpdate(next, { $set: { b: 2 } }).modified).toBe(false);
  });
  test('new fields are added in lexicographic order', () => {
    expect(Object.keys(applyUpdate({ _id: 1 }, { $set: { z: 1, b: 1, a: 1 } }).doc)).toEqual(['_id', 'a', 'b', 'z']);
  });
  test('positional and filtered positional paths', () => {
    const doc = { _id: 1, grades: [80, 95, 70] };
    expect(applyUpdate(doc, { $set: { 'grades.$': 0 } }, { match: { arrayIndex: 1 } }).doc.grades).toEqual([80, 0, 70]);
    expect((applyUpdate(doc, { $inc: { 'grades.$[]': 1 } }).doc.grades as unknown[]).map(Number)).toEqual([81, 96, 71]);
    expect(
      applyUpdate(doc, { $set: { 'grades.$[g]': 100 } }, { arrayFilters: [{ g: { $gte: 80 } }] }).doc.grades,
    ).toEqual([100, 100, 70]);
    expect(() => applyUpdate(doc, { $set: { 'grades.$[g]': 1 } }, { arrayFilters: [{ h: 1 }] })).toThrow(
      /No array filter found/,
    );
  });
  test('$pull with a condition and $addToSet without duplicates', () => {
    const doc = {
      _id: 1,
      xs: [1, 5, 9],
      people: [
        { n: 'a', age: 3 },
        { n: 'b', age: 30 },
      ],
    };
    const { doc: next } = applyUpdate(doc, {
      $pull: { xs: { $gte: 5 }, people: { age: { $lt: 18 } } },
      $addToSet: { tags: { $each: ['x', 'x', 'y'] } },
    });
    expect(next).toEqual({ _id: 1, xs: [1], people: [{ n: 'b', age: 30 }], tags: ['x', 'y'] });
  });
});
