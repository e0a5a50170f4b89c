import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { MongoClient, ObjectId, type CommandStartedEvent, type Db } from 'mongodb';
import pino from 'pino';
import { ServiceTokens } from '../../shared/auth';
import { EntityClient } from '../../shared/graphql/entity-client';
import { closeRedis, redisConnection } from '../../shared/redis';
import { BUILT_IN_AGENTS } from '../../subgraphs/assessment/agents/registry';
import { KnownRuns } from '../../subgraphs/assessment/engine/known-runs';
import { jobId, obliterateQueue, QUEUE_NAME, RunQueue, type RunJobData } from '../../subgraphs/assessment/engine/queue';
import { CancelChecks, runSignal } from '../../subgraphs/assessment/engine/run-signal';
import { processRunJob, type StepDeps } from '../../subgraphs/assessment/engine/steps';
import { EventRelay, eventStreamKey, type PublishedEvent } from '../../subgraphs/assessment/events/relay';
import { newAssessment, type AssessmentDoc, type Change } from '../../subgraphs/assessment/store/model';
import { AssessmentRepository } from '../../subgraphs/assessment/store/repository';
import { expectTruthfulStory } from '../support/event-story';
import { startTestMongo, uniqueDbName, type TestMongo } from '../support/mongo';
import { expectContiguous, REAL_REDIS_URL } from '../support/runs';
import { waitFor } from '../support/wait';

/**
 * A run's checkpoints (AssessmentRepository.transition, KnownRuns) when writers race: agents of one
 * run in parallel in one worker and across two, documents known from an earlier checkpoint that
 * another writer has since made stale. Real MongoDB (its commands counted by command monitoring),
 * real Redis and BullMQ jobs, processed by the worker's own step code.
 */
const prefix = `hgtest-${randomBytes(4).toString('hex')}`;
const silent = pino({ level: 'silent' });
const redis = redisConnection(REAL_REDIS_URL, 'worker');
const relay = new EventRelay({ redis, prefix, log: silent, maxLen: 1000 });
const AGENTS = BUILT_IN_AGENTS.map((a) => a.name);
let mongo: TestMongo;
let client: MongoClient;
let db: Db;
let queue: RunQueue;
let jobs: Queue;
/** Commands sent on the assessments collection, by name, since the last reset. */
let commands: string[] = [];
beforeAll(async () => {
  mongo = await startTestMongo();
  client = new MongoClient(mongo.uri, { monitorCommands: true });
  client.on('commandStarted', (e: CommandStartedEvent) => {
    if (e.command[e.commandName] === 'assessments') commands.push(e.commandName);
  });
  await client.connect();
  db = client.db(uniqueDbName('checkpoints'));
  queue = new RunQueue({ connection: redis, prefix, attempts: 3, backoffMs: 50 });
  jobs = new Queue(QUEUE_NAME, { connection: redis, prefix });
});
afterAll(async () => {
  await jobs.close();
  await queue.close();
  await obliterateQueue(redis, prefix);
  for (const k of await redis.keys(`${prefix}:*`)) await redis.del(k);
  await closeRedis(redis);
  await db.dropDatabase();
  await client.close();
  await mongo.close();
});

/** A worker process's dependencies: its own KnownRuns and cancel checks, as startWorker builds them. */
function workerDeps(): StepDeps {
  return {
    db,
    queue,
    relay,
    agents: new Map(BUILT_IN_AGENTS.map((a) => [a.name, a])),
    // Agent steps read nothing from the owners (validation does).
    owners: {
      candidate: new EntityClient('http://127.0.0.1:1/graphql', 'Candidate'),
      job: new EntityClient('http://127.0.0.1:1/graphql', 'Job'),
    },
    tokens: new ServiceTokens('checkpoints-test-internal-secret-0123456789'),
    log: silent,
    signal: new AbortController().signal,
    checks: new CancelChecks(60_000),
    known: new KnownRuns(),
  };
}

/** A run past validation (its input recorded), every event so far relayed, as a worker leaves it. */
async function validatedRun() {
  const tenantId = new ObjectId();
  const repo = new AssessmentRepository(db, tenantId);
  const { doc } = await repo.create(
    newAssessment({ candidateId: new ObjectId(), jobId: new ObjectId(), agents: AGENTS, idempotencyKey: null }),
  );
  const out = await repo.transition(doc._id, () => ({
    set: { input: INPUT },
    events: [
      { type: 'STARTED', set: { status: 'RUNNING', startedAt: new Date() } },
      { type: 'STEP_STARTED', step: 'validation', steps: { validation: { status: 'RUNNING', attempts: 1 } } },
      { type: 'STEP_SUCCEEDED', step: 'validation', steps: { validation: { status: 'SUCCEEDED' } } },
    ],
  }));
  await relay.publish(out!.doc, [doc.events[0]!, ...out!.events], () => repo.eventLog(doc._id));
  return { tenantId, repo, id: doc._id };
}

/** The agent jobs of a run, as BullMQ holds them (nothing takes them: the test hands them to the step code). */
async function agentJobs(tenantId: ObjectId, id: ObjectId) {
  const data: RunJobData = { tenantId: tenantId.toHexString(), assessmentId: id.toHexString(), run: 1 };
  return Promise.all(
    AGENTS.map((agent) =>
      jobs.add('agent', { ...data, agent }, { attempts: 3, jobId: jobId(data.assessmentId, 1, `agent-${agent}`) }),
    ),
  );
}

/** Every event's snapshot is the state its predecessors and itself made: none was decided on a stale document. */
function expectEachSnapshotFollowsTheLog(doc: AssessmentDoc): void {
  const status = new Map<string, string>(doc.events[0]!.assessment!.steps.map((s) => [s.name, s.status]));
  const of: Record<string, string> = { STEP_STARTED: 'RUNNING', STEP_SUCCEEDED: 'SUCCEEDED', STEP_RETRYING: 'PENDING' };
  for (const e of doc.events.slice(1)) {
    if (e.step && of[e.type]) status.set(e.step.name, of[e.type]!);
    expect([e.seq, Object.fromEntries(e.assessment!.steps.map((s) => [s.name, s.status]))]).toEqual([
      e.seq,
      Object.fromEntries(status),
    ]);
  }
}

async function streamOf(tenantId: ObjectId, id: ObjectId): Promise<PublishedEvent[]> {
  const entries = await redis.xrange(eventStreamKey(prefix, tenantId.toHexString()), '-', '+');
  return entries.map(([, f]) => JSON.parse(f[1]!) as PublishedEvent).filter((e) => e.assessmentId === id.toHexString());
}

test('agents of one run checkpointing at once, in one worker and across two: each step recorded once, events 1..n in MongoDB and the stream', async () => {
  const [a, b] = [workerDeps(), workerDeps()];
  const runs = await Promise.all([validatedRun(), validatedRun(), validatedRun()]);
  // Three runs at once; each run's agents split between two workers, all of them started together.
  await Promise.all(
    runs.map(async ({ tenantId, id }) =>
      Promise.all((await agentJobs(tenantId, id)).map((job, i) => processRunJob(job, i % 2 ? a : b))),
    ),
  );
  for (const { tenantId, repo, id } of runs) {
    const doc = (await repo.full(id))!;
    expectContiguous(doc);
    expect(doc.eventSeq).toBe(4 + 2 * AGENTS.length);
    for (const name of AGENTS) {
      expect(doc.steps.find((s) => s.name === name)).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
      expect(doc.events.filter((e) => e.step?.name === name).map((e) => e.type)).toEqual([
        'STEP_STARTED',
        'STEP_SUCCEEDED',
      ]);
    }
    expectEachSnapshotFollowsTheLog(doc);
    const stream = await streamOf(tenantId, id);
    expect(stream.map((e) => e.event.seq)).toEqual(doc.events.map((e) => e.seq));
    expectTruthfulStory(stream.map((e) => ({ ...e.event, assessment: e.assessment })));
  }
  // What the workers remember of runs still going; nothing once they are over.
  expect(a.known.size).toBe(runs.length);
});

const startStep =
  (name: string) =>
  (doc: AssessmentDoc): Change | null => {
    const s = doc.steps.find((x) => x.name === name)!;
    if (s.status === 'RUNNING' || s.status === 'SUCCEEDED') return null;
    return {
      steps: { [name]: { status: 'RUNNING', attempts: s.attempts + 1 } },
      events: [{ type: 'STEP_STARTED', step: name }],
    };
  };

test('a checkpoint tried on a document another writer made stale lands on the fresh one, in the round trip a read would take', async () => {
  const { repo, id } = await validatedRun();
  const known = (await repo.transition(id, startStep('skills')))!.doc;
  // Another worker's checkpoint: `known` is one version behind.
  await repo.transition(id, startStep('profile'));
  commands = [];
  const out = await repo.transition(id, startStep('experience'), known);
  // The failed compare-and-set answered with the fresh document; the second one landed.
  expect(commands).toEqual(['findAndModify', 'findAndModify']);
  expect(out!.events.map((e) => e.seq)).toEqual([7]);
  const doc = (await repo.full(id))!;
  expectContiguous(doc);
  expect(['skills', 'profile', 'experience'].map((n) => doc.steps.find((s) => s.name === n)!.status)).toEqual([
    'RUNNING',
    'RUNNING',
    'RUNNING',
  ]);
  expectEachSnapshotFollowsTheLog(doc);
});

test('"nothing to do" drawn from a stale document is decided again on a fresh read', async () => {
  const { repo, id } = await validatedRun();
  const known = (await repo.transition(id, startStep('skills')))!.doc;
  // Since then the step went back to PENDING (a retry, say): a start decided on `known` alone would be skipped.
  await repo.transition(id, () => ({
    steps: { skills: { status: 'PENDING' } },
    events: [{ type: 'STEP_RETRYING', step: 'skills' }],
  }));
  commands = [];
  const out = await repo.transition(id, startStep('skills'), known);
  expect(commands).toEqual(['find', 'findAndModify']);
  expect(out!.events.map((e) => [e.type, e.step!.attempts])).toEqual([['STEP_STARTED', 2]]);
});

test("one worker's checkpoints of a run go one at a time on the version the last left: one command each, no collision", async () => {
  const { repo, id } = await validatedRun();
  const known = new KnownRuns();
  commands = [];
  const outs = await Promise.all(AGENTS.map((name) => known.transition(repo, id, startStep(name))));
  // The first reads the run (this worker had not seen it); every one is a single compare-and-set that lands.
  expect(commands).toEqual(['find', ...AGENTS.map(() => 'findAndModify')]);
  expect(outs.map((o) => o!.events[0]!.seq)).toEqual([5, 6, 7, 8]);
});

test('a publish whose document holds only the latest events fills the gap from the whole log', async () => {
  const { tenantId, repo, id } = await validatedRun();
  // Recorded and never relayed (a publish failed): the stream stops at seq 4.
  let last = (await repo.transition(id, startStep('skills')))!;
  for (const name of ['experience', 'keywords', 'profile'])
    last = (await repo.transition(id, startStep(name), last.doc))!;
  const tail = { ...last.doc, events: last.doc.events.slice(-1) };
  await relay.publish(tail, last.events, () => repo.eventLog(id));
  expect((await streamOf(tenantId, id)).map((e) => e.event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
});

test("a run's agents in one worker share one cancel check, and each learns of the cancel", async () => {
  const { repo, id } = await validatedRun();
  const checks = new CancelChecks(50);
  const deps = { signal: new AbortController().signal, checks };
  const [one, two] = [runSignal(repo, id, deps), runSignal(repo, id, deps)];
  expect(checks.size).toBe(1);
  await repo.transition(id, () => ({ set: { status: 'CANCELLED' }, events: [{ type: 'CANCELLED' }] }));
  await waitFor(async () => one.signal.aborted && two.signal.aborted, 5000, 'both agents to learn of the cancel');
  expect([one.cancelled(), two.cancelled()]).toEqual([true, true]);
  one.stop();
  expect(checks.size).toBe(1);
  two.stop();
  expect(checks.size).toBe(0);
});

const INPUT = {
  candidate: {
    id: new ObjectId().toHexString(),
    name: 'Ada',
    email: 'ada@example.com',
    phone: null,
    location: null,
    headline: 'Engineer',
    skills: ['TypeScript', 'GraphQL'],
    yearsExperience: 8,
    resumeText: 'TypeScript and GraphQL services for eight years.',
  },
  job: {
    id: new ObjectId().toHexString(),
    title: 'Backend Engineer',
    description: 'TypeScript GraphQL services',
    requiredSkills: ['TypeScript'],
    niceToHaveSkills: ['Go'],
    minYearsExperience: 5,
    location: null,
    status: 'OPEN',
  },
};
