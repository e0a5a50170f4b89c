import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import {
  buildSchema,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  parse,
  type GraphQLSchema,
} from 'graphql';
import { actualCost } from '../../gateway/cost/actual-cost';
import { costDirectivesOf, estimateCost, type CostDirectives } from '../../gateway/cost/cost-model';
import { QUERY as BENCH_QUERY } from '../../bench/graph';
import { doublingFragments } from '../support/cost-queries';
import { DEEP_QUERY } from '../support/seed-graph';

/** The committed supergraph, as the gateway reads it: its API schema and its cost directives. */
const sdl = readFileSync(resolve(__dirname, '../../schema/supergraph.graphql'), 'utf8');
const api = Supergraph.build(sdl).apiSchema().toGraphQLJSSchema();
const directives = costDirectivesOf(sdl);
const cost = (query: string, variables?: Record<string, unknown>, schema: GraphQLSchema = api, d = directives) =>
  estimateCost({ schema, document: parse(query), variables }, d);

describe('estimates over the supergraph, computed by hand', () => {
  test('an object is 1, a scalar 0, a query has no base cost', () => {
    expect(cost('{ tenant { name plan limits { maxCandidates } } }')).toBe(2); // tenant 1 + limits 1
  });

  test('a connection counts once, its edges and nodes `first` times (or the default 20)', () => {
    // jobs 1 + 20 × (edge 1 + node 1)
    expect(cost('{ jobs { edges { node { title } } } }')).toBe(41);
    // jobs 1 + pageInfo 1 + 7 × (edge 1 + node 1), `first` from a variable
    expect(
      cost('query($n: Int) { jobs(first: $n) { pageInfo { hasNextPage } edges { node { title } } } }', { n: 7 }),
    ).toBe(16);
  });

  test("the README's first query and the issue's dashboard", () => {
    // tenant 1 + jobs 1 + 20 × (edge 1 + node 1 + applications 1 + 20 × (edge 1 + node 1 + candidate 1))
    expect(
      cost(
        '{ tenant { name } jobs { edges { node { title applications { edges { node { stage candidate { name skills } } } } } } } }',
      ),
    ).toBe(1 + 1 + 20 * (3 + 20 * 3));
    // 30 jobs, their first 10 applications, each candidate's applications (assumed 10) and their jobs
    expect(
      cost(
        '{ jobs(first: 30) { edges { node { title applications(first: 10) { edges { node { stage candidate { name applications { stage job { title } } } } } } } } } }',
      ),
    ).toBe(1 + 30 * (3 + 10 * (3 + 10 * 2)));
  });

  test('the benchmark and N+1 queries, and a three-level nest of first: 100', () => {
    expect(cost(BENCH_QUERY)).toBe(1 + 100 * (3 + 100 * (3 + 10 * 2)));
    expect(cost(DEEP_QUERY, { n: 30 })).toBe(1 + 30 * (3 + 100 * (3 + 10 * 2)));
    const nest =
      '{ jobs(first: 100) { edges { node { applications(first: 100) { edges { node { job { applications(first: 100) { edges { node { id } } } } } } } } } } }';
    // per application: edge, node, job, its applications connection, then 100 × (edge + node)
    expect(cost(nest)).toBe(1 + 100 * (3 + 100 * (4 + 100 * 2)));
  });

  test('a mutation costs 10, an input object 1, and @cost replaces the weight of the field', () => {
    // 10 + Candidate 1 + input 1
    expect(cost('mutation { createCandidate(input: { name: "a", email: "a@b.c" }) { id } }')).toBe(12);
    // 10 + startAssessment @cost(weight: 100) + input 1 + steps 10 × 1
    expect(cost('mutation { startAssessment(input: { candidateId: "a", jobId: "b" }) { id steps { name } } }')).toBe(
      121,
    );
  });

  test('fragments and aliases add up; @skip drops; __typename and introspection are free', () => {
    expect(
      cost(
        '{ ...F a: jobs(first: 3) { edges { node { __typename id } } } } fragment F on Query { jobs(first: 2) { edges { node { id } } } }',
      ),
    ).toBe(1 + 2 * 2 + (1 + 3 * 2));
    expect(
      cost('query($s: Boolean!) { tenant { id } jobs @skip(if: $s) { edges { node { id } } } }', { s: true }),
    ).toBe(1);
    expect(cost('{ __schema { types { name fields { name } } } }')).toBe(0);
  });

  test('fragments that double at every level are refused once the walk passes MAX_FIELDS fields', () => {
    expect(() => cost(doublingFragments(20))).toThrow(/at most 10000 fields once its fragments are expanded/);
    expect(cost(doublingFragments(3))).toBe(41); // the fields are scalars: the size is the walk's problem, not the data's
  });

  test('a subscription has no base cost; the event and its assessment are objects', () => {
    // event 1 + assessment 1 + steps 10 × 1
    expect(cost('subscription { assessmentEvents { seq assessment { id steps { name } } } }')).toBe(12);
  });

  test('every list of the API schema has a declared size, or is the sized field of every connection it is in', () => {
    const sizedChildren = new Set<string>();
    for (const [key, size] of directives.listSize) {
      const [type, field] = key.split('.') as [string, string];
      const parent = api.getType(type);
      if (!isObjectType(parent)) throw new Error(`@listSize on ${key}, which is not an object type's field`);
      const returned = getNamedType(parent.getFields()[field]!.type);
      for (const child of size.sizedFields ?? []) sizedChildren.add(`${returned.name}.${child}`);
    }
    const undeclared: string[] = [];
    for (const type of Object.values(api.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const key = `${type.name}.${field.name}`;
        if (isListType(getNullableType(field.type)) && !directives.listSize.has(key) && !sizedChildren.has(key))
          undeclared.push(key);
      }
    }
    expect(undeclared).toEqual([]);
  });
});

describe('the model on a schema of its own', () => {
  const schema = buildSchema(`
    type Query { items(first: Int, last: Int): Page!  heavy: Thing!  tags: [String!]!  list: [Thing!]! }
    type Page { items: [Thing!]!  total: Int! }
    type Thing { id: ID!  name: String! }
    input Filter { a: Int  nested: Filter }
    type Mutation { save(filters: [Filter!]): Thing! }
  `);
  const own: CostDirectives = {
    fieldWeight: new Map([['Query.heavy', 25]]),
    typeWeight: new Map([['Thing', 3]]),
    listSize: new Map([
      ['Query.items', { slicingArguments: ['first', 'last'], sizedFields: ['items'], assumedSize: 4 }],
    ]),
  };
  const c = (q: string, v?: Record<string, unknown>) => cost(q, v, schema, own);

  test('the largest slicing argument sizes the sized field; without one, assumedSize', () => {
    expect(c('{ items(first: 2, last: 5) { total items { id } } }')).toBe(1 + 5 * 3);
    expect(c('{ items { items { id } } }')).toBe(1 + 4 * 3);
  });

  test('a type weight applies to every instance, a field weight replaces it; undeclared lists count 10', () => {
    expect(c('{ heavy { id } }')).toBe(25);
    expect(c('{ list { id } }')).toBe(10 * 3);
    expect(c('{ tags }')).toBe(0);
  });

  test('every input object in an argument counts 1, nested ones and list elements included', () => {
    expect(c('mutation { save(filters: [{ a: 1 }, { nested: { a: 2 } }]) { id } }')).toBe(10 + 3 + 3);
  });

  test('variables that cannot be read are an error, not a guess', () => {
    expect(() => c('query($n: Int) { items(first: $n) { total } }', { n: 'many' })).toThrow(/Int/);
  });
});

describe('actual cost: the objects returned', () => {
  test('objects returned count, lists by their items, aliases and fragments as answered', () => {
    const query =
      '{ jobs(first: 5) { edges { node { title ...A } } } t: tenant { name } } fragment A on Job { applications { edges { node { stage } } } }';
    const data = {
      jobs: {
        edges: [
          { node: { title: 'a', applications: { edges: [{ node: { stage: 'APPLIED' } }] } } },
          { node: { title: 'b', applications: { edges: [] } } },
        ],
      },
      t: { name: 'x' },
    };
    // jobs 1 + 2 edges + 2 nodes + 2 applications + 1 edge + 1 node, tenant 1
    expect(actualCost(JSON.stringify(data))).toBe(10);
    // Estimated for the same query: jobs 1 + 5 × (2 + 1 + 20 × 2), tenant 1
    expect(cost(query)).toBe(1 + 5 * (3 + 20 * 2) + 1);
  });

  test('a mutation counts the objects it returned, not its base or weight', () => {
    const data = {
      startAssessment: { id: '1', steps: [{ name: 'validation' }, { name: 'skills' }, { name: 'synthesis' }] },
    };
    expect(actualCost(JSON.stringify(data))).toBe(4);
    expect(actualCost(JSON.stringify({ tenant: null, agents: [] }))).toBe(0);
  });

  test('braces and quotes inside strings are not objects', () => {
    const data = { job: { title: 'a {"b": {"c": 1}} \\"{"', tags: ['{"x"', '{}'] }, empty: {} };
    // job 1 (the root and the field-less `empty` count nothing)
    expect(actualCost(JSON.stringify(data))).toBe(1);
  });
});

test("the README's worked examples cost what it says", () => {
  const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
  const start = readme.indexOf('## Demand control');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const blocks = [...section.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => cost(m[1]!));
  expect(blocks).toEqual([6991, 5063]);
  expect(section).toContain('**6,991**');
  expect(section).toContain('**5,063**');
});
