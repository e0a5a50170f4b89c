import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { parse } from 'graphql';
import { actualCost } from '../gateway/cost/actual-cost';
import { costDirectivesOf, estimateCost } from '../gateway/cost/cost-model';
import { QUERY as DEEP } from './graph';
import { fmt, percentile, table, timeEach } from './stats';

const DASHBOARD =
  '{ jobs(first: 30) { edges { node { title applications(first: 10) { edges { node { stage candidate { name applications { stage job { title } } } } } } } } } }';

/** A response of the dashboard's shape: `jobs` jobs × `apps` applications × `theirs` applications per candidate. */
function answer(jobs: number, apps: number, theirs: number) {
  const app = { stage: 'APPLIED', job: { title: 'Job' } };
  return {
    jobs: {
      edges: Array.from({ length: jobs }, (_, j) => ({
        node: {
          title: `Job ${j}`,
          applications: {
            edges: Array.from({ length: apps }, () => ({
              node: {
                stage: 'SCREENING',
                candidate: { name: 'C', applications: Array.from({ length: theirs }, () => app) },
              },
            })),
          },
        },
      })),
    },
  };
}

/**
 * What demand control adds to a request at the gateway: the estimate before planning and the
 * actual cost (a count over the answer's JSON text, which the gateway serializes anyway) after, on the README's dashboard (its response at 30 × 10 × 3) and on the graph
 * benchmark's deep query (its response at 100 × 100 × 2), each run 500 times in this process.
 */
export async function benchCost(): Promise<string> {
  const sdl = readFileSync(resolve(__dirname, '../schema/supergraph.graphql'), 'utf8');
  const schema = Supergraph.build(sdl).apiSchema().toGraphQLJSSchema();
  const directives = costDirectivesOf(sdl);
  const rows: Array<Array<string | number>> = [];
  for (const [label, query, data] of [
    ['README dashboard, 30 × 10 × 3', DASHBOARD, answer(30, 10, 3)],
    ['graph benchmark, 100 × 100 × 2', DEEP, answer(100, 100, 2)],
  ] as const) {
    const document = parse(query);
    const estimate = () => estimateCost({ schema, document }, directives);
    const json = JSON.stringify(data);
    const actual = () => actualCost(json);
    for (let i = 0; i < 50; i++) {
      estimate(); // warm-up
      actual();
    }
    const e = await timeEach(500, async () => estimate());
    const a = await timeEach(500, async () => actual());
    rows.push([
      label,
      estimate(),
      fmt(percentile(e.samples, 50)),
      fmt(percentile(e.samples, 99)),
      actual(),
      fmt(percentile(a.samples, 50)),
      fmt(percentile(a.samples, 99)),
    ]);
  }
  return [
    '### Demand control: the estimate and the actual cost, per request',
    '',
    table(['operation', 'estimated cost', 'estimate p50 ms', 'p99 ms', 'actual cost', 'actual p50 ms', 'p99 ms'], rows),
  ].join('\n');
}
