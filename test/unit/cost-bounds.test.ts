import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { parse } from 'graphql';
import { costDirectivesOf, estimateCost } from '../../gateway/cost/cost-model';
import { loadConfig } from '../../shared/config';

/** Demand control estimates what the resolvers read: null `first` at its default, large text by its size. */
const sdl = readFileSync(resolve(__dirname, '../../schema/supergraph.graphql'), 'utf8');
const api = Supergraph.build(sdl).apiSchema().toGraphQLJSSchema();
const directives = costDirectivesOf(sdl);
const cost = (query: string, variables?: Record<string, unknown>) =>
  estimateCost({ schema: api, document: parse(query), variables }, directives);
const maxCost = loadConfig({ NODE_ENV: 'development' }).LIMIT_MAX_COST;

test('first: null (literal or variable) costs the default page the resolver reads, not 10', () => {
  // jobs 1 + 20 × (edge 1 + node 1): parsePage reads null as 20
  expect(cost('{ jobs(first: null) { edges { node { id } } } }')).toBe(41);
  expect(cost('query($n: Int) { jobs(first: $n) { edges { node { id } } } }', { n: null })).toBe(41);
  expect(cost('{ jobs(first: 5) { edges { node { applications(first: null) { edges { node { id } } } } } } }')).toBe(
    1 + 5 * (3 + 20 * 2),
  );
});

test('the bounded lists cost their `first` (default, null or given): Candidate.applications, Candidate/Job.assessments', () => {
  const c = (args: string) => cost(`{ candidate(id: "a") { applications${args} { id } assessments${args} { id } } }`);
  expect(c('')).toBe(1 + 10 + 10);
  expect(c('(first: null)')).toBe(1 + 10 + 10);
  expect(c('(first: 100)')).toBe(1 + 100 + 100);
  expect(cost('{ job(id: "a") { assessments { id } } }')).toBe(1 + 50);
  expect(cost('{ job(id: "a") { assessments(first: 3, status: COMPLETED) { id } } }')).toBe(1 + 3);
});

test('large text weighs by the size it may hold: 15 aliases of 100 resumes are refused at the default limit', () => {
  const aliases = Array.from(
    { length: 15 },
    (_, i) => `a${i}: candidates(first: 100) { edges { node { resumeText } } }`,
  );
  const attack = cost(`{ ${aliases.join(' ')} }`);
  // each alias: 1 + 100 × (edge 1 + node 1 + resumeText 1,000); before, 3,015 in all
  expect(attack).toBe(15 * (1 + 100 * 1002));
  expect(attack).toBeGreaterThan(maxCost);
  expect(cost('{ jobs(first: 100) { edges { node { description } } } }')).toBe(1 + 100 * 502);
  expect(cost('{ assessments { edges { node { summary steps { findings } } } } }')).toBe(
    1 + 20 * (2 + 40 + 10 * (1 + 20 * 3)),
  );
  // One page of 20 candidates with their resumes stays well inside the limit.
  expect(cost('{ candidates { edges { node { name resumeText } } } }')).toBe(1 + 20 * 1002);
});
