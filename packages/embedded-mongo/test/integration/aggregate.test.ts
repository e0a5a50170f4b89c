import type { Collection } from 'mongodb';
import { useTestDatabase, type AnyDoc } from '../support/mongo';

/** The aggregation stages Hiregraph uses, through the official driver. */
const t = useTestDatabase('agg');
let people: Collection<AnyDoc>;
let teams: Collection<AnyDoc>;

beforeAll(async () => {
  people = t.db().collection<AnyDoc>('people');
  teams = t.db().collection<AnyDoc>('teams');
  await teams.insertMany([
    { _id: 't1', name: 'Core' },
    { _id: 't2', name: 'Web' },
  ]);
  await people.insertMany([
    { _id: 1, team: 't1', age: 30, skills: ['ts', 'go'], secret: 'x' },
    { _id: 2, team: 't1', age: 40, skills: ['ts'], secret: 'y' },
    { _id: 3, team: 't2', age: 25, skills: [], secret: 'z' },
  ]);
});

test('$match, $group, $sort', async () => {
  const out = await people
    .aggregate([
      { $match: { age: { $gte: 25 } } },
      { $group: { _id: '$team', n: { $sum: 1 }, avgAge: { $avg: '$age' }, names: { $push: '$_id' } } },
      { $sort: { _id: 1 } },
    ])
    .toArray();
  expect(out).toEqual([
    { _id: 't1', n: 2, avgAge: 35, names: [1, 2] },
    { _id: 't2', n: 1, avgAge: 25, names: [3] },
  ]);
});

test('$skip, $limit, $count', async () => {
  expect(
    await people.aggregate([{ $sort: { _id: 1 } }, { $skip: 1 }, { $limit: 1 }, { $project: { _id: 1 } }]).toArray(),
  ).toEqual([{ _id: 2 }]);
  expect(await people.aggregate([{ $match: { team: 't1' } }, { $count: 'total' }]).toArray()).toEqual([{ total: 2 }]);
});

test('$project, $addFields, $set, $unset, $replaceRoot', async () => {
  const out = await people
    .aggregate([
      { $match: { _id: 1 } },
      { $project: { team: 1, age: 1, skills: 1 } },
      { $addFields: { older: { $add: ['$age', 1] } } },
      { $set: { nSkills: { $size: '$skills' } } },
      { $unset: 'skills' },
      { $replaceRoot: { newRoot: { person: '$_id', older: '$older', nSkills: '$nSkills' } } },
    ])
    .toArray();
  expect(out).toEqual([{ person: 1, older: 31, nSkills: 2 }]);
});

test('$lookup and $unwind', async () => {
  const out = await people
    .aggregate([
      { $sort: { _id: 1 } },
      { $lookup: { from: 'teams', localField: 'team', foreignField: '_id', as: 'teamDoc' } },
      { $unwind: '$teamDoc' },
      { $unwind: { path: '$skills', preserveNullAndEmptyArrays: true } },
      { $project: { _id: 1, skill: '$skills', team: '$teamDoc.name' } },
    ])
    .toArray();
  expect(out).toEqual([
    { _id: 1, skill: 'ts', team: 'Core' },
    { _id: 1, skill: 'go', team: 'Core' },
    { _id: 2, skill: 'ts', team: 'Core' },
    { _id: 3, team: 'Web' },
  ]);
});

test('$facet runs sub-pipelines over the same input', async () => {
  const [out] = await people
    .aggregate([
      {
        $facet: {
          total: [{ $count: 'n' }],
          youngest: [{ $sort: { age: 1 } }, { $limit: 1 }, { $project: { _id: 1 } }],
        },
      },
    ])
    .toArray();
  expect(out).toEqual({ total: [{ n: 3 }], youngest: [{ _id: 3 }] });
});

test("an unknown stage is refused with MongoDB's code", async () => {
  await expect(people.aggregate([{ $nonsense: {} }]).toArray()).rejects.toMatchObject({ code: 40324 });
});
