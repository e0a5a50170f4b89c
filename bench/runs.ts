import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { MongoClient, ObjectId } from 'mongodb';
import { signToken } from '../shared/auth';
import { loadConfig, type Config } from '../shared/config';
import { EmbeddedMongo } from '@hiregraph/embedded-mongo';
import { closeRedis, redisConnection } from '../shared/redis';
import { startStack, type Stack } from '../scripts/stack';
import { obliterateQueue } from '../subgraphs/assessment/engine/queue';
import { AssessmentRepository } from '../subgraphs/assessment/store/repository';
import { FakeLlm } from '../test/support/fake-llm';
import { fmt, table } from './stats';
import { TEST_ENV, TEST_JWT_SECRET } from '../test/support/secrets';
import { postGraphql } from './gql';

/**
 * Assessment runs: one six-agent run (three built-in, three LLM agents against a local
 * OpenAI-compatible server answering after 300 ms) with parallel agents vs forced sequential
 * (worker concurrency 1), and completed runs per minute with one and with two worker processes, at
 * the default settings and at the other pairs of SETTINGS.
 */
const AGENTS = ['skills', 'experience', 'keywords', 'llm-technical', 'llm-communication', 'llm-risk'];
const LATENCY_MS = 300;
const THROUGHPUT_RUNS = 40;
/** WORKER_CONCURRENCY and LLM_WORKER_CONCURRENCY pairs the settings table tries (8 and 16 are the defaults). */
const SETTINGS: Array<[steps: number, llm: number]> = [
  [4, 16],
  [8, 16],
  [16, 16],
  [8, 48],
  [16, 48],
];
const WORKER = resolve(__dirname, '../subgraphs/assessment/worker-index.ts');

interface Env {
  config: Config;
  mongo: EmbeddedMongo;
  stack: Stack;
  token: string;
  tenant: ObjectId;
  candidateId: string;
  jobId: string;
  env: Record<string, string>;
}

type Data = Record<string, Record<string, string>>;

const gql = (env: Env, query: string, variables: Record<string, unknown> = {}): Promise<Data> =>
  postGraphql<Data>(env.stack.gateway.url, env.token, query, variables);

function spawnWorkers(env: Env, n: number, concurrency: number, llmConcurrency?: number): ChildProcess[] {
  return Array.from({ length: n }, () =>
    spawn(process.execPath, ['--import', 'tsx', WORKER], {
      env: {
        ...process.env,
        ...env.env,
        WORKER_CONCURRENCY: String(concurrency),
        // LLM agents run on a queue of their own: sequential means one step at a time on both.
        ...(concurrency === 1 && { LLM_WORKER_CONCURRENCY: '1' }),
        ...(llmConcurrency && { LLM_WORKER_CONCURRENCY: String(llmConcurrency) }),
        WORKER_PORT: '0',
        LOG_LEVEL: 'error',
      },
      stdio: 'ignore',
    }),
  );
}

async function stopWorkers(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((r) => {
          if (c.exitCode !== null) r();
          else {
            c.once('exit', () => r());
            c.kill('SIGTERM');
          }
        }),
    ),
  );
}

async function runAll(env: Env, count: number): Promise<{ wallMs: number; perRunMs: number[] }> {
  const repo = new AssessmentRepository(env.stack.subgraphs.assessment.db, env.tenant);
  const began = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const d = await gql(env, 'mutation($i: StartAssessmentInput!) { startAssessment(input: $i) { id } }', {
      i: { candidateId: env.candidateId, jobId: env.jobId, agents: AGENTS },
    });
    ids.push(d.startAssessment!.id!);
  }
  const perRunMs: number[] = [];
  for (const id of ids) {
    for (;;) {
      const doc = await repo.full(new ObjectId(id));
      if (doc && doc.completedAt) {
        if (doc.status !== 'COMPLETED') throw new Error(`run ${id} ended ${doc.status}: ${doc.error}`);
        perRunMs.push(doc.completedAt.getTime() - doc.createdAt.getTime());
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return { wallMs: Date.now() - began, perRunMs };
}

export async function benchRuns(): Promise<string> {
  const llm = await FakeLlm.start();
  llm.latencyMs = LATENCY_MS;
  const mongo = await EmbeddedMongo.start();
  const prefix = `hgbench-${randomBytes(4).toString('hex')}`;
  const envVars = {
    ...TEST_ENV,
    QUEUE_PREFIX: prefix,
    LLM_BASE_URL: llm.url,
    // Every run here is over the same candidate and job: measured are the LLM calls, not the cache.
    LLM_CACHE_TTL_SECONDS: '0',
    MONGODB_URI: mongo.uri,
    MONGODB_DB: 'bench_runs',
    RECONCILE_INTERVAL_MS: '60000',
  };
  const config = loadConfig({ ...envVars, LOG_LEVEL: 'silent' });
  const stack = await startStack({ config, mongoUri: mongo.uri, randomPorts: true });
  const client = await MongoClient.connect(mongo.uri);
  const rows: Array<Array<string | number>> = [];
  const throughput: Array<Array<string | number>> = [];
  const settings: Array<Array<string | number>> = [];
  try {
    const platform = await signToken(TEST_JWT_SECRET, { sub: 'bench', roles: ['platform-admin'] });
    const created = await postGraphql<{ createTenant: { id: string } }>(
      stack.gateway.url,
      platform,
      'mutation { createTenant(input: { slug: "bench-runs", name: "Bench", plan: ENTERPRISE }) { id } }',
    );
    const tenantId = created.createTenant.id;
    const env: Env = {
      config,
      mongo,
      stack,
      token: await signToken(TEST_JWT_SECRET, { sub: 'bench', tid: tenantId, roles: ['admin'] }),
      tenant: new ObjectId(tenantId),
      candidateId: '',
      jobId: '',
      env: { ...envVars, CANDIDATE_URL: stack.subgraphs.candidate.url, JOB_URL: stack.subgraphs.job.url },
    };
    env.candidateId = (
      await gql(
        env,
        'mutation { createCandidate(input: { name: "Bench", email: "bench@example.com", skills: ["TypeScript"], yearsExperience: 5, resumeText: "TypeScript GraphQL services" }) { id } }',
      )
    ).createCandidate!.id!;
    env.jobId = (
      await gql(
        env,
        'mutation { createJob(input: { title: "Engineer", description: "TypeScript GraphQL", requiredSkills: ["TypeScript"] }) { id } }',
      )
    ).createJob!.id!;

    for (const [label, concurrency] of [
      ['parallel (concurrency 8)', 8],
      ['sequential (concurrency 1)', 1],
    ] as const) {
      const workers = spawnWorkers(env, 1, concurrency);
      try {
        await runAll(env, 1);
        const samples = [];
        for (let i = 0; i < 3; i++) samples.push((await runAll(env, 1)).perRunMs[0]!);
        samples.sort((a, b) => a - b);
        rows.push([label, fmt(samples[1]!)]);
      } finally {
        await stopWorkers(workers);
      }
    }
    const parallel = Number(rows[0]![1]);
    const sequential = Number(rows[1]![1]);
    rows.push(['sequential / parallel', `${(sequential / parallel).toFixed(2)}×`]);

    for (const n of [1, 2]) {
      const workers = spawnWorkers(env, n, 8);
      try {
        await runAll(env, 2);
        const { wallMs } = await runAll(env, THROUGHPUT_RUNS);
        throughput.push([n, THROUGHPUT_RUNS, fmt(wallMs), Math.round((THROUGHPUT_RUNS / wallMs) * 60_000)]);
      } finally {
        await stopWorkers(workers);
      }
    }

    // Which settings to run workers with: steps and LLM calls per process, one and two processes.
    for (const n of [1, 2]) {
      for (const [steps, llm] of SETTINGS) {
        const workers = spawnWorkers(env, n, steps, llm);
        try {
          await runAll(env, 2);
          const { wallMs } = await runAll(env, THROUGHPUT_RUNS);
          settings.push([n, steps, llm, fmt(wallMs), Math.round((THROUGHPUT_RUNS / wallMs) * 60_000)]);
        } finally {
          await stopWorkers(workers);
        }
      }
    }
  } finally {
    await client.close();
    const redis = redisConnection(config.REDIS_URL, 'worker');
    await obliterateQueue(redis, prefix).catch(() => undefined);
    await closeRedis(redis);
    await stack.close();
    await mongo.close();
    await llm.close();
  }
  return [
    `### Assessment run: six agents (three LLM at ${LATENCY_MS} ms), wall time from start to COMPLETED (median of 3)`,
    table(['agents', 'ms'], rows),
    '',
    `### Completed runs per minute (${THROUGHPUT_RUNS} six-agent runs started at once, 8 concurrent steps per worker)`,
    table(['worker processes', 'runs', 'wall ms', 'runs/min'], throughput),
    '',
    `### Worker settings (${THROUGHPUT_RUNS} six-agent runs started at once)`,
    table(['worker processes', 'WORKER_CONCURRENCY', 'LLM_WORKER_CONCURRENCY', 'wall ms', 'runs/min'], settings),
  ].join('\n');
}
