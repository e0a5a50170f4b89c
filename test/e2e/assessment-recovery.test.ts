import type { ChildProcess } from 'node:child_process';
import { Queue, type Job } from 'bullmq';
import { closeRedis, redisConnection } from '../../shared/redis';
import { jobId, QUEUE_NAME } from '../../subgraphs/assessment/engine/queue';
import { startWorker } from '../../subgraphs/assessment/engine/worker';
import { holdRefusedPort } from '../support/refused-port';
import {
  expectContiguous,
  REAL_REDIS_URL,
  spawnWorker as spawnHarnessWorker,
  startRunHarness,
  type RunHarness,
} from '../support/runs';
import { waitFor } from '../support/wait';

/** Nothing is lost: a worker killed mid-step, and a run whose enqueue failed. */
const harnesses: RunHarness[] = [];
const children: ChildProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const h of harnesses.splice(0)) await h.close();
  for (const c of cleanups.splice(0)) await c();
});

/** The run's first job (validation, run 1) as the real Redis holds it for the harness's queue. */
async function validationJobOf(h: RunHarness, id: string): Promise<Job | undefined> {
  const connection = redisConnection(REAL_REDIS_URL, 'worker');
  const queue = new Queue(QUEUE_NAME, { connection, prefix: h.prefix });
  try {
    return await queue.getJob(jobId(id, 1, 'validation'));
  } finally {
    await queue.close();
    await closeRedis(connection);
  }
}

function spawnWorker(h: RunHarness): ChildProcess {
  const child = spawnHarnessWorker(h);
  children.push(child);
  return child;
}

test('kill -9 of a worker while an agent runs: another worker finishes, every step recorded once, no succeeded step ran twice', async () => {
  const h = await startRunHarness();
  harnesses.push(h);
  h.llm.behaviour = { technical: 'slow' };
  h.llm.slowMs = 60_000;
  const first = spawnWorker(h);
  const r = await h.start({ agents: ['llm-technical', 'llm-communication', 'skills'] });
  const id = r.data!.startAssessment.id;
  await waitFor(
    async () => h.llm.received.some((c) => c.agent === 'technical'),
    30_000,
    'the slow agent to call the LLM',
  );
  await waitFor(
    async () => {
      const a = await h.get(id);
      return ['llm-communication', 'skills'].every((n) => a.steps.find((s) => s.name === n)!.status === 'SUCCEEDED');
    },
    30_000,
    'the fast agents to succeed',
  );
  first.kill('SIGKILL');
  await new Promise((res) => first.once('exit', res));
  h.llm.behaviour = {};
  await h.startWorker();
  const done = await h.waitFor(id, ['COMPLETED', 'FAILED'], 60_000);
  expect(done.status).toBe('COMPLETED');
  const step = (n: string) => done.steps.find((s) => s.name === n)!;
  expect(step('llm-technical')).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
  expect(step('llm-communication').attempts).toBe(1);
  expect(step('skills').attempts).toBe(1);
  expect(h.llm.received.filter((c) => c.agent === 'communication')).toHaveLength(1);
  expect(h.llm.received.filter((c) => c.agent === 'technical')).toHaveLength(2);
  const full = await h.full(id);
  expectContiguous(full);
  for (const s of done.steps)
    expect(full.events.filter((e) => e.type === 'STEP_SUCCEEDED' && e.step?.name === s.name)).toHaveLength(1);
  expect(full.events.filter((e) => e.type === 'COMPLETED')).toHaveLength(1);
});

test('Redis unreachable at startAssessment: the call still returns, and the reconciler runs it later, once', async () => {
  const down = await holdRefusedPort();
  cleanups.push(() => down.close());
  const h = await startRunHarness({ REDIS_URL: down.url('redis') });
  harnesses.push(h);
  const r = await h.start({ agents: ['skills', 'profile'] });
  expect(r.errors).toBeUndefined();
  const id = r.data!.startAssessment.id;
  expect(r.data!.startAssessment.status).toBe('QUEUED');
  expect((await h.get(id)).status).toBe('QUEUED');
  // The run is only in MongoDB: nothing reached the queue, so whatever runs it was enqueued later.
  expect(await validationJobOf(h, id)).toBeUndefined();
  // Redis "comes back": a worker on the real Redis, whose reconciler finds the QUEUED run.
  const worker = await startWorker({
    config: { ...h.t.config, REDIS_URL: REAL_REDIS_URL },
    mongoUri: h.t.mongo.uri,
    port: 0,
    candidateUrl: h.env.CANDIDATE_URL,
    jobUrl: h.env.JOB_URL,
  });
  h.workers.push(worker);
  const done = await h.waitFor(id, ['COMPLETED', 'FAILED'], 30_000);
  expect(done.status).toBe('COMPLETED');
  expect(await validationJobOf(h, id)).toBeDefined();
  await worker.reconciler.pass();
  const full = await h.full(id);
  expectContiguous(full);
  expect(full.events.filter((e) => e.type === 'STARTED')).toHaveLength(1);
  expect(full.events.filter((e) => e.type === 'COMPLETED')).toHaveLength(1);
  for (const s of done.steps)
    expect(full.events.filter((e) => e.type === 'STEP_SUCCEEDED' && e.step?.name === s.name)).toHaveLength(1);
});
