import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Queue } from 'bullmq';
import { ObjectId } from 'mongodb';
import { closeRedis, redisConnection } from '../../shared/redis';
import { obliterateQueue, RUN_QUEUES } from '../../subgraphs/assessment/engine/queue';
import { AssessmentRepository } from '../../subgraphs/assessment/store/repository';
import type { AssessmentDoc } from '../../subgraphs/assessment/store/model';
import { startWorker, type RunningWorker } from '../../subgraphs/assessment/engine/worker';
import { FakeLlm } from './fake-llm';
import { TEST_ENV } from './secrets';
import { startTestStack, useStarted, type TestStack, type TestStackOptions } from './stack';
import { waitFor } from './wait';

/** The Redis the tests run against (a test may point the API elsewhere to make enqueues fail). */
export const REAL_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const ASSESSMENT_FIELDS =
  'id status progress score recommendation summary error steps { name kind status attempts score findings error }';

export interface Assessment {
  id: string;
  status: string;
  progress: number;
  score: number | null;
  recommendation: string | null;
  summary: string | null;
  error: string | null;
  steps: Array<{
    name: string;
    kind: string;
    status: string;
    attempts: number;
    score: number | null;
    findings: string[];
    error: string | null;
  }>;
}

/** The graph, a fake LLM, a worker and a tenant with a candidate and a job, on a queue prefix of its own. */
export interface RunHarness {
  t: TestStack;
  llm: FakeLlm;
  prefix: string;
  token: string;
  tenantId: string;
  candidateId: string;
  jobId: string;
  workers: RunningWorker[];
  env: Record<string, string>;
  startWorker(): Promise<RunningWorker>;
  start(
    input?: Record<string, unknown>,
  ): Promise<{ data: { startAssessment: Assessment } | null; errors?: Array<{ extensions?: { code?: string } }> }>;
  get(id: string): Promise<Assessment>;
  waitFor(id: string, statuses: string[], timeoutMs?: number): Promise<Assessment>;
  full(id: string): Promise<AssessmentDoc>;
  /** Resolves once the queue has nothing waiting, delayed or running: no step of any run can start after this. */
  drained(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startRunHarness(
  extraEnv: Record<string, string> = {},
  stackOpts: TestStackOptions = {},
): Promise<RunHarness> {
  const llm = await FakeLlm.start();
  const prefix = `hgtest-${randomBytes(4).toString('hex')}`;
  const env = {
    QUEUE_PREFIX: prefix,
    LLM_BASE_URL: llm.url,
    STEP_BACKOFF_MS: '50',
    STEP_ATTEMPTS: '3',
    JOB_LOCK_MS: '2000',
    RECONCILE_INTERVAL_MS: '300',
    RECONCILE_AFTER_MS: '1500',
    LLM_TIMEOUT_MS: '20000',
    // Suites here watch the LLM calls of every run; test/e2e/llm-cache.test.ts turns the cache on.
    LLM_CACHE_TTL_SECONDS: '0',
    ...extraEnv,
  };
  const t = await startTestStack(env, stackOpts);
  // Workers read candidates and jobs from their subgraphs, wherever this stack put them.
  const owners = { candidateUrl: t.stack.subgraphs.candidate.url, jobUrl: t.stack.subgraphs.job.url };
  Object.assign(env, { CANDIDATE_URL: owners.candidateUrl, JOB_URL: owners.jobUrl });
  const workers: RunningWorker[] = [];
  const { id: tenantId, admin: token } = await t.newTenant();
  const c = await t.gql<{ createCandidate: { id: string } }>(
    'mutation($i: CreateCandidateInput!) { createCandidate(input: $i) { id } }',
    {
      i: {
        name: 'Grace Hopper',
        email: 'grace@example.com',
        skills: ['TypeScript', 'GraphQL', 'COBOL'],
        yearsExperience: 12,
        headline: 'Compiler engineer',
        location: 'Remote',
        phone: '+1 555',
        resumeText:
          'Built compilers and TypeScript GraphQL services on MongoDB for twelve years; led teams and wrote documentation.',
      },
    },
    token,
  );
  const j = await t.gql<{ createJob: { id: string } }>(
    'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }',
    {
      i: {
        title: 'Senior Backend Engineer',
        description: 'TypeScript GraphQL services on MongoDB',
        requiredSkills: ['TypeScript', 'GraphQL'],
        niceToHaveSkills: ['Go'],
        minYearsExperience: 5,
      },
    },
    token,
  );
  const h: RunHarness = {
    t,
    llm,
    prefix,
    token,
    tenantId,
    env,
    workers,
    candidateId: c.data!.createCandidate.id,
    jobId: j.data!.createJob.id,
    async startWorker() {
      const w = await startWorker({ config: t.config, mongoUri: t.mongo.uri, port: 0, ...owners });
      workers.push(w);
      return w;
    },
    start: (input = {}) =>
      t.gql<{ startAssessment: Assessment }>(
        `mutation($i: StartAssessmentInput!) { startAssessment(input: $i) { ${ASSESSMENT_FIELDS} } }`,
        {
          i: { candidateId: h.candidateId, jobId: h.jobId, ...input },
        },
        token,
      ),
    async get(id) {
      const r = await t.gql<{ assessment: Assessment }>(
        `query($id: ID!) { assessment(id: $id) { ${ASSESSMENT_FIELDS} } }`,
        { id },
        token,
      );
      return r.data!.assessment;
    },
    waitFor: (id, statuses, timeoutMs = 30_000) =>
      waitFor(
        async () => {
          const a = await h.get(id);
          return statuses.includes(a.status) ? a : undefined;
        },
        timeoutMs,
        `assessment ${id} to be ${statuses.join(' or ')}`,
      ),
    async full(id) {
      return (await new AssessmentRepository(t.stack.subgraphs.assessment.db, new ObjectId(tenantId)).full(
        new ObjectId(id),
      ))!;
    },
    async drained(timeoutMs = 30_000) {
      const connection = redisConnection(REAL_REDIS_URL, 'worker');
      const queues = RUN_QUEUES.map((name) => new Queue(name, { connection, prefix }));
      try {
        await waitFor(
          async () => {
            for (const queue of queues) {
              const counts = await queue.getJobCounts(
                'waiting',
                'active',
                'delayed',
                'prioritized',
                'waiting-children',
              );
              if (!Object.values(counts).every((n) => n === 0)) return false;
            }
            return true;
          },
          timeoutMs,
          'the run queues to drain',
        );
      } finally {
        for (const queue of queues) await queue.close();
        await closeRedis(connection);
      }
    },
    async close() {
      for (const w of workers.splice(0)) await w.close().catch(() => undefined);
      const redis = redisConnection(REAL_REDIS_URL, 'worker');
      await obliterateQueue(redis, prefix).catch(() => undefined);
      await closeRedis(redis);
      await t.close();
      await llm.close();
    },
  };
  return h;
}

/** How a file's harness is set up: its env (a function when it depends on what an earlier beforeAll started), workers to start. */
export interface UseRunHarnessOptions {
  /** In-process workers started with the harness; default 1. With 0, runs stay QUEUED unless the test starts one. */
  workers?: number;
}

/**
 * A run harness with in-process workers (one by default) for the tests of the enclosing file or
 * describe block: started before them, closed after them. What it returns stands for the harness
 * once started. A resource the harness needs (a Redis of its own) is started in a beforeAll above
 * this call and closed in an afterAll below it, so it outlives the harness.
 */
export function useRunHarness(
  extraEnv: Record<string, string> | (() => Record<string, string>) = {},
  stackOpts: TestStackOptions = {},
  opts: UseRunHarnessOptions = {},
): RunHarness {
  return useStarted(
    'the run harness',
    async () => {
      const h = await startRunHarness(typeof extraEnv === 'function' ? extraEnv() : extraEnv, stackOpts);
      try {
        for (let i = 0; i < (opts.workers ?? 1); i++) await h.startWorker();
      } catch (err) {
        await h.close();
        throw err;
      }
      return h;
    },
    (h) => h.close(),
  );
}

/** The event log must be seq 1..n without gaps or repeats. */
export function expectContiguous(doc: AssessmentDoc): void {
  const seqs = doc.events.map((e) => e.seq);
  if (seqs.some((s, i) => s !== i + 1) || doc.eventSeq !== seqs.length)
    throw new Error(`event seqs are not 1..n: ${seqs.join(',')}`);
}

const WORKER_ENTRY = resolve(__dirname, '../../subgraphs/assessment/worker-index.ts');

/** A worker in a process of its own on the harness's stack and queue, so a test can SIGTERM or kill -9 it. */
export function spawnWorker(h: RunHarness, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], {
    env: {
      ...process.env,
      ...TEST_ENV,
      ...h.env,
      MONGODB_URI: h.t.mongo.uri,
      MONGODB_DB: h.t.config.MONGODB_DB,
      LOG_LEVEL: 'warn',
      WORKER_PORT: '0',
      ...env,
    },
    stdio: 'ignore',
  });
}
