import { Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, type Collection } from 'mongodb';
import { useTestDatabase, type AnyDoc } from '../support/mongo';

/** BSON type semantics through the official driver; the same assertions hold on a real MongoDB. */
const t = useTestDatabase('bson');
let coll: Collection<AnyDoc>;

beforeEach(async () => {
  coll = t.db().collection<AnyDoc>(`c_${Math.random().toString(36).slice(2, 8)}`);
});

const raw = { promoteValues: false } as const;

test('numbers keep their BSON type on a round trip', async () => {
  await coll.insertOne({
    _id: 1,
    i: new Int32(1),
    d: new Double(1),
    l: Long.fromNumber(1),
    m: Decimal128.fromString('1.10'),
  });
  const doc = await coll.findOne({ _id: 1 }, raw);
  expect(doc!.i).toBeInstanceOf(Int32);
  expect(doc!.d).toBeInstanceOf(Double);
  expect(doc!.l).toBeInstanceOf(Long);
  expect(doc!.m).toBeInstanceOf(Decimal128);
  expect(String(doc!.m)).toBe('1.10');
  expect(await coll.countDocuments({ i: { $type: 'int' } })).toBe(1);
  expect(await coll.countDocuments({ d: { $type: 'double' } })).toBe(1);
  expect(await coll.countDocuments({ l: { $type: 'long' } })).toBe(1);
  expect(await coll.countDocuments({ m: { $type: 'decimal' } })).toBe(1);
  expect(await coll.countDocuments({ d: { $type: 'int' } })).toBe(0);
  expect(await coll.countDocuments({ i: { $type: 'number' } })).toBe(1);
});

test('Int32, Long, Double and Decimal128 compare as numbers', async () => {
  await coll.insertMany([
    { _id: 'int', v: new Int32(5) },
    { _id: 'long', v: Long.fromNumber(5) },
    { _id: 'double', v: new Double(5) },
    { _id: 'dec', v: Decimal128.fromString('5.0') },
    { _id: 'six', v: new Double(6.5) },
  ]);
  const eq = await coll.find({ v: 5 }).sort({ _id: 1 }).toArray();
  expect(eq.map((d) => d._id)).toEqual(['dec', 'double', 'int', 'long']);
  expect(await coll.countDocuments({ v: { $in: [Decimal128.fromString('5')] } })).toBe(4);
  expect(await coll.countDocuments({ v: { $gt: Long.fromNumber(5) } })).toBe(1);
  expect(await coll.countDocuments({ v: { $gte: Decimal128.fromString('6.5') } })).toBe(1);
});

test('equality and $in match separate ObjectId instances', async () => {
  const id = new ObjectId();
  await coll.insertOne({ _id: id, ref: id });
  const copy = new ObjectId(id.toHexString());
  expect(await coll.findOne({ _id: copy })).not.toBeNull();
  expect(await coll.countDocuments({ _id: { $in: [new ObjectId(), copy] } })).toBe(1);
  expect(await coll.countDocuments({ ref: { $in: [new ObjectId(id.toHexString())] } })).toBe(1);
});

test('$inc promotes int32 to long on overflow and keeps Decimal128 exact', async () => {
  await coll.insertOne({ _id: 1, n: new Int32(2147483647), small: new Int32(1), dec: Decimal128.fromString('0.1') });
  await coll.updateOne({ _id: 1 }, { $inc: { n: 1, small: 1, dec: Decimal128.fromString('0.2') } });
  const doc = await coll.findOne({ _id: 1 }, raw);
  expect(doc!.n).toBeInstanceOf(Long);
  expect(String(doc!.n)).toBe('2147483648');
  expect(doc!.small).toBeInstanceOf(Int32);
  expect((doc!.small as Int32).value).toBe(2);
  expect(doc!.dec).toBeInstanceOf(Decimal128);
  expect(String(doc!.dec)).toBe('0.3');
  await coll.updateOne({ _id: 1 }, { $inc: { small: 0.5 } });
  expect((await coll.findOne({ _id: 1 }, raw))!.small).toBeInstanceOf(Double);
});

test('$mul follows the same promotion and a long overflow is refused', async () => {
  await coll.insertOne({ _id: 1, i: new Int32(65536), l: Long.fromString('9223372036854775807') });
  await coll.updateOne({ _id: 1 }, { $mul: { i: new Int32(65536) } });
  const doc = await coll.findOne({ _id: 1 }, raw);
  expect(doc!.i).toBeInstanceOf(Long);
  expect(String(doc!.i)).toBe('4294967296');
  await expect(coll.updateOne({ _id: 1 }, { $inc: { l: 1 } })).rejects.toMatchObject({ code: 2 });
  expect(String((await coll.findOne({ _id: 1 }, raw))!.l)).toBe('9223372036854775807');
});

test('sorts order values by BSON type, then by value', async () => {
  const values = [
    new MaxKey(),
    true,
    new Date(0),
    new ObjectId('000000000000000000000001'),
    [5],
    { a: 1 },
    'text',
    new Int32(3),
    null,
    new MinKey(),
    Long.fromNumber(2),
    new Double(2.5),
  ];
  await coll.insertMany(values.map((v, i) => ({ _id: i, v })));
  await coll.insertOne({ _id: 100 });
  const order = (await coll.find({}).sort({ v: 1, _id: 1 }).toArray()).map((d) => d._id);
  // MinKey < null and missing < numbers < string < object < array(sorted by smallest element) < ObjectId < bool < date < MaxKey
  expect(order).toEqual([9, 8, 100, 10, 11, 7, 4, 6, 5, 3, 1, 2, 0]);
});

test('array sort keys use the smallest element ascending and the largest descending', async () => {
  await coll.insertMany([
    { _id: 'a', v: [1, 10] },
    { _id: 'b', v: [5] },
    { _id: 'c', v: [0, 7] },
  ]);
  expect((await coll.find().sort({ v: 1 }).toArray()).map((d) => d._id)).toEqual(['c', 'a', 'b']);
  expect((await coll.find().sort({ v: -1 }).toArray()).map((d) => d._id)).toEqual(['a', 'c', 'b']);
});

test('null and missing sort together, before numbers; $exists tells them apart', async () => {
  await coll.insertMany([{ _id: 1, v: 1 }, { _id: 2, v: null }, { _id: 3 }]);
  expect((await coll.find().sort({ v: 1, _id: 1 }).toArray()).map((d) => d._id)).toEqual([2, 3, 1]);
  expect(await coll.countDocuments({ v: null })).toBe(2);
  expect(await coll.countDocuments({ v: { $exists: false } })).toBe(1);
  expect(await coll.countDocuments({ v: { $type: 'null' } })).toBe(1);
});

test('embedded document equality is field-order sensitive', async () => {
  await coll.insertOne({ _id: 1, d: { a: 1, b: 2 } });
  expect(await coll.countDocuments({ d: { a: 1, b: 2 } })).toBe(1);
  expect(await coll.countDocuments({ d: { b: 2, a: 1 } })).toBe(0);
  expect(await coll.countDocuments({ 'd.b': 2 })).toBe(1);
});

test('range operators only match values of the same type bracket', async () => {
  await coll.insertMany([
    { _id: 1, v: 5 },
    { _id: 2, v: '5' },
    { _id: 3, v: new Date(5) },
  ]);
  expect(await coll.countDocuments({ v: { $gt: 1 } })).toBe(1);
  expect(await coll.countDocuments({ v: { $gt: '1' } })).toBe(1);
  expect(await coll.countDocuments({ v: { $lt: new Date(10) } })).toBe(1);
});

test('simple collation: strength 1 ignores case and accents, strength 2 only case', async () => {
  await coll.insertMany([
    { _id: 1, n: 'Élan' },
    { _id: 2, n: 'elan' },
    { _id: 3, n: 'ELAN' },
  ]);
  expect(await coll.countDocuments({ n: 'elan' }, { collation: { locale: 'fr', strength: 1 } })).toBe(3);
  expect(await coll.countDocuments({ n: 'elan' }, { collation: { locale: 'fr', strength: 2 } })).toBe(2);
  expect(await coll.countDocuments({ n: 'elan' })).toBe(1);
});
