import { MongoClient } from 'mongodb';
import { signToken } from '../shared/auth';
import { EmbeddedMongo } from '@hiregraph/embedded-mongo';
import { startOtlpReceiver } from '../test/support/otlp-receiver';
import { spawnService, type ServiceProcess } from '../test/support/service-process';
import { QUERY, seed } from './graph';
import { fmt, percentile, table, timeEach } from './stats';
import { TEST_JWT_SECRET } from '../test/support/secrets';
import { postGraphql } from './gql';

/**
 * What tracing costs: the deep federated query at 100 applications against the gateway and four
 * subgraphs, each its own process as deployed, with OTEL_EXPORTER_OTLP_ENDPOINT unset and then
 * set (exporting to a local OTLP/HTTP receiver). Sequential latency, then throughput with 8
 * clients at once.
 */
const APPLICATIONS = 100;
const DB = 'bench_tracing';

async function startProcesses(mongoUri: string, otlp: string | undefined): Promise<{ url: string; close(): void }> {
  // Logs stay at info, as in production: one operation line per request in every process.
  const env: Record<string, string> = {
    MONGODB_URI: mongoUri,
    MONGODB_DB: DB,
    QUEUE_PREFIX: 'bench-tracing',
    ...(otlp ? { OTEL_EXPORTER_OTLP_ENDPOINT: otlp } : {}),
  };
  const procs: ServiceProcess[] = [];
  const start = async (entry: string, extra: Record<string, string>, msg: string) => {
    const p = await spawnService(entry, { ...env, ...extra }, msg);
    procs.push(p);
    return `http://127.0.0.1:${p.port}/graphql`;
  };
  try {
    const tenant = await start('subgraphs/tenant/index.ts', { TENANT_PORT: '0' }, 'tenant subgraph listening');
    const candidate = await start(
      'subgraphs/candidate/index.ts',
      { CANDIDATE_PORT: '0', TENANT_URL: tenant },
      'candidate subgraph listening',
    );
    const job = await start(
      'subgraphs/job/index.ts',
      { JOB_PORT: '0', CANDIDATE_URL: candidate },
      'job subgraph listening',
    );
    const urls = { TENANT_URL: tenant, CANDIDATE_URL: candidate, JOB_URL: job };
    const assessment = await start(
      'subgraphs/assessment/index.ts',
      { ...urls, ASSESSMENT_PORT: '0' },
      'assessment subgraph listening',
    );
    const url = await start(
      'gateway/index.ts',
      { ...urls, ASSESSMENT_URL: assessment, GATEWAY_PORT: '0' },
      'gateway listening',
    );
    return {
      url,
      close: () => {
        for (const p of procs) p.child.kill('SIGKILL');
      },
    };
  } catch (err) {
    for (const p of procs) p.child.kill('SIGKILL');
    throw err;
  }
}

export async function benchTracing(): Promise<string> {
  const mongo = await EmbeddedMongo.start();
  const receiver = await startOtlpReceiver();
  const rows: Array<Array<string | number>> = [];
  try {
    const client = await MongoClient.connect(mongo.uri);
    const tenantId = await seed(client.db(DB), APPLICATIONS);
    await client.close();
    const token = await signToken(TEST_JWT_SECRET, { sub: 'bench', tid: tenantId, roles: ['viewer'] });
    for (const traced of [false, true]) {
      const stack = await startProcesses(mongo.uri, traced ? receiver.url : undefined);
      try {
        const run = () => postGraphql(stack.url, token, QUERY);
        for (let i = 0; i < 20; i++) await run();
        const spansBefore = receiver.spans.length;
        const t = await timeEach(100, run);
        const clients = 8;
        const perClient = 40;
        const started = performance.now();
        await Promise.all(
          Array.from({ length: clients }, async () => {
            for (let i = 0; i < perClient; i++) await run();
          }),
        );
        const rps = (clients * perClient) / ((performance.now() - started) / 1000);
        // Let the last batch export before counting spans per request.
        await new Promise((r) => setTimeout(r, 3000));
        const spans = (receiver.spans.length - spansBefore) / (100 + clients * perClient);
        rows.push([
          traced ? 'on (OTLP/HTTP to a local receiver)' : 'off',
          fmt(percentile(t.samples, 50)),
          fmt(percentile(t.samples, 99)),
          rps.toFixed(0),
          spans.toFixed(0),
        ]);
      } finally {
        stack.close();
      }
    }
  } finally {
    await receiver.close();
    await mongo.close();
  }
  return [
    `### Tracing overhead: the deep query at ${APPLICATIONS} applications, five processes`,
    table(['tracing', 'p50 ms', 'p99 ms', 'req/s (8 clients)', 'spans per request'], rows),
  ].join('\n');
}
