import { EmbeddedMongo } from '@hiregraph/embedded-mongo';
import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { parse } from 'graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { knownJson } from '../gateway/execution/plan/lazy-data';
import { federatedGraph, PlanExecutor } from '../gateway/execution/plan/plan-executor';
import { subgraphFetching } from '../gateway/execution/subgraph-source';
import { signToken } from '../shared/auth';
import { loadConfig } from '../shared/config';
import { startStack } from '../scripts/stack';
import { TEST_ENV, TEST_JWT_SECRET } from '../test/support/secrets';
import { option } from './args';
import { fmt, table } from './stats';
import { DASHBOARD_QUERY, seedDashboard } from './stack/dashboard';

type Variant = { name: string; once: () => Promise<string> };

/**
 * `npm run bench -- executor [--iterations N]`: the gateway's plan execution alone, on the dashboard
 * query (bench/stack/dashboard.ts, 79,967 bytes). The subgraphs' answers are recorded once from
 * the real stack, then replayed from memory (parsed from their text on every fetch, as the
 * gateway's data source parses them), so what is timed is only the executor: running the plan
 * (representations, merging) and shaping the answer, then its JSON text. Hiregraph's executor (its
 * answer shaped straight into text, as the gateway serves queries, and into objects then
 * serialized, as subscription events are) and @apollo/gateway's run in turns in one process, CPU
 * time per operation, answers checked identical.
 */
export async function benchExecutor(argv: string[] = process.argv.slice(2)): Promise<string> {
  const iterations = Number(option(argv, 'iterations') ?? 400);
  const mongo = await EmbeddedMongo.start();
  const dbName = `bench_executor_${Date.now().toString(36)}`;
  const config = loadConfig({ ...TEST_ENV, MONGODB_DB: dbName, LOG_LEVEL: 'silent', NODE_ENV: 'production' });
  const sdl = readFileSync(join(__dirname, '../schema/supergraph.graphql'), 'utf8');
  const stack = await startStack({ config, mongoUri: mongo.uri, randomPorts: true, supergraphSdl: sdl });
  const fetching = subgraphFetching({ ...config, DEDUPLICATE_REQUESTS: false }, new Registry(), () => undefined);
  try {
    const tenantId = await seedDashboard(mongo.uri, dbName);
    const token = await signToken(TEST_JWT_SECRET, { sub: 'bench', tid: tenantId, roles: ['viewer'] });
    const s = stack.subgraphs;
    const urls: Record<string, string> = {
      tenant: s.tenant.url,
      candidate: s.candidate.url,
      job: s.job.url,
      assessment: s.assessment.url,
    };
    // Each fetch's answer as text, recorded from the real subgraphs, replayed parsed afresh.
    const recorded = new Map<string, string>();
    const replaying: ServiceMap = {};
    for (const [name, url] of Object.entries(urls)) {
      const real = fetching.sourceFor(name, url);
      const source: GraphQLDataSource = {
        async process(options) {
          const key = `${name}\n${options.request.query}\n${JSON.stringify(options.request.variables)}`;
          let text = recorded.get(key);
          if (text === undefined) recorded.set(key, (text = JSON.stringify(await real.process(options))));
          return JSON.parse(text) as Awaited<ReturnType<GraphQLDataSource['process']>>;
        },
      };
      replaying[name] = source;
    }
    const graph = federatedGraph(sdl);
    const executor = new PlanExecutor(graph);
    const document = parse(DASHBOARD_QUERY);
    const request = () =>
      ({
        request: { query: DASHBOARD_QUERY, variables: {} },
        context: { authorization: `Bearer ${token}`, requestId: 'bench', principal: null },
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        metrics: {},
      }) as unknown as GatewayGraphQLRequestContext;
    const variants: Variant[] = [
      {
        name: 'hiregraph, shaped into text',
        once: async () => {
          const compiled = executor.compile(document, 'Dashboard', DASHBOARD_QUERY);
          const r = await executor.run(compiled, compiled.plan, replaying, request(), 'text');
          return `{"data":${knownJson(r.data!)}}`;
        },
      },
      {
        name: 'hiregraph, shaped into objects',
        once: async () => {
          const compiled = executor.compile(document, 'Dashboard', DASHBOARD_QUERY);
          const r = await executor.run(compiled, compiled.plan, replaying, request());
          return JSON.stringify(r);
        },
      },
      {
        name: '@apollo/gateway',
        once: async () => {
          const compiled = executor.compile(document, 'Dashboard', DASHBOARD_QUERY);
          const context = buildOperationContext({
            schema: graph.schema,
            operationDocument: document,
            operationName: 'Dashboard',
          });
          const r = await executeQueryPlan(
            compiled.plan,
            replaying,
            request(),
            context,
            graph.supergraphSchema,
            graph.apiSchema,
          );
          return JSON.stringify(r);
        },
      },
    ];
    const answers = await Promise.all(variants.map((v) => v.once()));
    if (answers.some((a) => a !== answers[0])) throw new Error('the executors answer differently');
    if (!answers[0]!.includes('"jobs"')) throw new Error(`no jobs in the answer: ${answers[0]!.slice(0, 300)}`);
    const rows: Array<Array<string | number>> = [];
    for (let round = 1; round <= 3; round++) {
      for (const v of variants) {
        for (let i = 0; i < iterations / 4; i++) await v.once(); // warm-up
        global.gc?.();
        const cpu = process.cpuUsage();
        const from = performance.now();
        for (let i = 0; i < iterations; i++) await v.once();
        const used = process.cpuUsage(cpu);
        const wall = performance.now() - from;
        rows.push([v.name, round, fmt((used.user + used.system) / 1000 / iterations), fmt(wall / iterations)]);
      }
    }
    return [
      `### The gateway's plan executor alone: the dashboard query, ${iterations} operations a round`,
      '',
      `Subgraph answers recorded once from the real stack (${recorded.size} fetches, ${[...recorded.values()].reduce((n, t) => n + t.length, 0)} characters of JSON), replayed parsed afresh per fetch; each operation runs the plan, shapes the answer and serializes it (${answers[0]!.length} characters). Both executors run the same cached plan.`,
      '',
      table(['executor', 'round', 'CPU ms / operation', 'wall ms / operation'], rows),
    ].join('\n');
  } finally {
    await fetching.agent.destroy();
    await stack.close();
    await mongo.close();
  }
}
