import { buildSchema, parse } from 'graphql';
import { OperationReads, projectionOf, readTable, selectedFields } from '../../shared/graphql/projection';

/** The fields an operation selects per object type, and the projection a table makes of them. */
const schema = buildSchema(`
  interface Node { id: ID! }
  type Person implements Node { id: ID! name: String! bio: String friends: [Person!]! }
  type Post implements Node { id: ID! title: String! body: String! author: Person! }
  union Entity = Person | Post
  type Query { node(id: ID!): Node  entities: [Entity]!  people: [Person!]! }
`);

const fieldsOf = (query: string) =>
  Object.fromEntries([...selectedFields(schema, parse(query))].map(([t, f]) => [t, [...f].sort()]));

test('fields count under fragments, inline fragments and nested lists, per type', () => {
  expect(
    fieldsOf(`
      query { people { name ...More } entities { ... on Post { title author { bio } } } }
      fragment More on Person { friends { id } }
    `),
  ).toEqual({
    Query: ['entities', 'people'],
    Person: ['bio', 'friends', 'id', 'name'],
    Post: ['author', 'title'],
  });
});

test('a field on an interface or union counts for every possible type', () => {
  expect(fieldsOf('{ node(id: "1") { id __typename } entities { __typename } }')).toEqual({
    Query: ['entities', 'node'],
    Person: ['__typename', 'id'],
    Post: ['__typename', 'id'],
  });
});

test('a document is walked once per schema: the same one gives the same answer object', () => {
  const doc = parse('{ people { name } }');
  expect(selectedFields(schema, doc)).toBe(selectedFields(schema, doc));
  const other = buildSchema('type Person { name: String } type Query { people: [Person] }');
  expect(selectedFields(other, doc)).not.toBe(selectedFields(schema, doc));
});

interface PersonDoc {
  _id: string;
  tenantId: string;
  name: string;
  bio: string;
  friendIds: string[];
}
const PERSON = readTable<PersonDoc>()({
  type: 'Person',
  always: ['_id', 'tenantId'],
  fields: { id: ['_id'], name: ['name'], bio: ['bio'], friends: ['friendIds'] },
});
const projection = (query: string) => projectionOf(selectedFields(schema, parse(query)), PERSON);

test('a projection reads the always fields and what each selected field needs; __typename needs nothing', () => {
  expect(projection('{ people { __typename name friends { name } } }')).toEqual({
    _id: 1,
    tenantId: 1,
    name: 1,
    friendIds: 1,
  });
});

test('a type the operation does not select reads only its always fields', () => {
  expect(projection('{ entities { ... on Post { title } } }')).toEqual({ _id: 1, tenantId: 1 });
});

test('a selected field the table does not know reads the whole document', () => {
  const partial = readTable<PersonDoc>()({ type: 'Person', always: ['_id'], fields: { name: ['name'] } });
  expect(projectionOf(selectedFields(schema, parse('{ people { name bio } }')), partial)).toBeUndefined();
  // Not fooled by names every object has.
  expect(projectionOf(new Map([['Person', new Set(['constructor'])]]), partial)).toBeUndefined();
});

test("a request reads whole documents until its operation is known, then the document's one shared projection", () => {
  const doc = parse('{ people { name } }');
  const [first, second] = [new OperationReads(), new OperationReads()];
  expect(first.projection(PERSON)).toBeUndefined();
  first.know(selectedFields(schema, doc));
  second.know(selectedFields(schema, doc));
  expect(first.projection(PERSON)).toEqual({ _id: 1, tenantId: 1, name: 1 });
  expect(second.projection(PERSON)).toBe(first.projection(PERSON));
  expect(Object.isFrozen(first.projection(PERSON))).toBe(true);
});
