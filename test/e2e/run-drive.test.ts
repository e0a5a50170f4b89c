import { Queue } from 'bullmq';
import { ObjectId } from 'mongodb';
import { closeRedis, redisConnection } from '../../shared/redis';
import { jobId, queueOfAgent } from '../../subgraphs/assessment/engine/queue';
import { streamEnd, tenantEvents } from '../support/queries';
import { REAL_REDIS_URL, useRunHarness } from '../support/runs';
import { waitFor } from '../support/wait';
import { collect, wsClient } from '../support/ws-client';
import { newAssessment } from '../../subgraphs/assessment/store/model';
import { AssessmentRepository } from '../../subgraphs/assessment/store/repository';

/** Runs are driven to their end: a cancel stops a running LLM call; a run stuck after synthesis started moves on. */
const RECONCILE_AFTER_MS = 1500;
const RECONCILE_INTERVAL_MS = 300;
const h = useRunHarness({
  RECONCILE_AFTER_MS: String(RECONCILE_AFTER_MS),
  RECONCILE_INTERVAL_MS: String(RECONCILE_INTERVAL_MS),
  CANCEL_CHECK_MS: '200',
});

/** A run written to MongoDB and never enqueued or published, as when Redis was away, or the process died, right after. */
async function unqueuedRun() {
  const repo = new AssessmentRepository(h.t.stack.subgraphs.assessment.db, new ObjectId(h.tenantId));
  const { doc } = await repo.create(
    newAssessment({
      candidateId: new ObjectId(h.candidateId),
      jobId: new ObjectId(h.jobId),
      agents: ['skills'],
      idempotencyKey: null,
    }),
  );
  return { repo, doc };
}

test('cancelAssessment aborts the running LLM call within a second; the step is not retried', async () => {
  h.llm.behaviour = { technical: 'slow' };
  h.llm.slowMs = 30_000;
  try {
    const id = (await h.start({ agents: ['llm-technical'] })).data!.startAssessment.id;
    await waitFor(async () => h.llm.received.some((c) => c.agent === 'technical'), 20_000, 'the LLM call to start');
    const cancelledAt = Date.now();
    const r = await h.t.gql<{ cancelAssessment: { status: string } }>(
      'mutation($id: ID!) { cancelAssessment(id: $id) { status } }',
      { id },
      h.token,
    );
    expect(r.data!.cancelAssessment.status).toBe('CANCELLED');
    const gone = await waitFor(
      async () => h.llm.abandoned.find((c) => c.agent === 'technical'),
      5000,
      'the LLM call to be abandoned',
    );
    expect(gone.at - cancelledAt).toBeLessThan(1000);
    // The agent's job ends (completed, not failed for a retry), the step stays SKIPPED and is not attempted again.
    const connection = redisConnection(REAL_REDIS_URL, 'worker');
    // LLM agents' steps are on their own queue.
    const queue = new Queue(queueOfAgent('llm-technical'), { connection, prefix: h.prefix });
    try {
      const job = await queue.getJob(jobId(id, 1, 'agent-llm-technical'));
      await waitFor(async () => (await job!.getState()) === 'completed', 5000, 'the agent job to complete');
    } finally {
      await queue.close();
      await closeRedis(connection);
    }
    const a = await h.get(id);
    expect(a.status).toBe('CANCELLED');
    expect(a.steps.find((s) => s.name === 'llm-technical')).toMatchObject({ status: 'SKIPPED', attempts: 1 });
    expect(h.llm.received.filter((c) => c.agent === 'technical')).toHaveLength(1);
  } finally {
    h.llm.behaviour = {};
  }
});

test('a run stuck with synthesis RUNNING and its jobs done is driven to COMPLETED by the reconciler', async () => {
  const id = (await h.start({ agents: ['skills'] })).data!.startAssessment.id;
  const done = await h.waitFor(id, ['COMPLETED']);
  // As a worker that died after synthesis started would leave it, with every job of the run finished in Redis.
  const coll = h.t.stack.subgraphs.assessment.db.collection('assessments');
  const stale = new Date(Date.now() - 60_000);
  await coll.updateOne(
    { _id: new ObjectId(id) },
    {
      $set: {
        status: 'RUNNING',
        score: null,
        recommendation: null,
        summary: null,
        completedAt: null,
        'steps.$[s].status': 'RUNNING',
        'steps.$[s].finishedAt': null,
        updatedAt: stale,
      },
    },
    { arrayFilters: [{ 's.name': 'synthesis' }] },
  );
  const stuckAt = Date.now();
  const again = await h.waitFor(id, ['COMPLETED', 'FAILED'], RECONCILE_AFTER_MS + RECONCILE_INTERVAL_MS + 10_000);
  expect(again.status).toBe('COMPLETED');
  expect(again.score).toBe(done.score);
  // Driven on by the reconciler's next pass: within one interval (plus the work itself), as the run was already stale.
  expect(Date.now() - stuckAt).toBeLessThan(RECONCILE_INTERVAL_MS + 5000);
  expect(again.steps.find((s) => s.name === 'synthesis')).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
});

test('a run whose last events were never published reaches tenant-wide subscribers anyway: the reconciler re-publishes them', async () => {
  const client = wsClient(h.t.stack.gateway.url, h.token);
  try {
    const after = await streamEnd(h.t, h.token);
    const sub = collect<{
      assessmentEvents: { seq: number; type: string; assessment: { id: string; status: string } };
    }>(client, tenantEvents('seq type assessment { id status }'), { after });
    // Written to MongoDB and never published, as when Redis was away, or the process died, right after.
    const { repo, doc } = await unqueuedRun();
    await repo.transition(doc._id, () => ({
      set: { status: 'CANCELLED', completedAt: new Date() },
      events: [{ type: 'CANCELLED' }],
    }));
    const id = doc._id.toHexString();
    await waitFor(
      async () =>
        sub.events.some((e) => e.assessmentEvents.assessment.id === id && e.assessmentEvents.type === 'CANCELLED'),
      10_000,
      'the reconciler to publish the run',
    );
    sub.stop();
    expect(
      sub.events
        .filter((e) => e.assessmentEvents.assessment.id === id)
        .map((e) => [e.assessmentEvents.seq, e.assessmentEvents.type, e.assessmentEvents.assessment.status]),
    ).toEqual([
      [1, 'QUEUED', 'QUEUED'],
      [2, 'CANCELLED', 'CANCELLED'],
    ]);
  } finally {
    await client.dispose();
  }
});

test('a job that can never succeed (an unknown job, an agent the run does not have) fails once, without retries', async () => {
  const id = (await h.start({ agents: ['skills'] })).data!.startAssessment.id;
  const done = await h.waitFor(id, ['COMPLETED']);
  // A run that is not over (written, never enqueued), so the agent job gets as far as its step.
  const { doc } = await unqueuedRun();
  const open = doc._id.toHexString();
  const connection = redisConnection(REAL_REDIS_URL, 'worker');
  const queue = new Queue(queueOfAgent('skills'), { connection, prefix: h.prefix });
  try {
    const opts = { attempts: 3, backoff: { type: 'fixed', delay: 10 } };
    const jobs = [
      await queue.add('bogus', { tenantId: h.tenantId, assessmentId: id, run: 1 }, { ...opts, jobId: `${id}.bogus` }),
      await queue.add(
        'agent',
        { tenantId: h.tenantId, assessmentId: open, run: 1, agent: 'nope' },
        { ...opts, jobId: `${open}.nope` },
      ),
    ];
    for (const job of jobs) {
      await waitFor(async () => (await job.getState()) === 'failed', 10_000, `job ${job.name} to fail`);
      const failed = (await queue.getJob(job.id!))!;
      expect([failed.attemptsMade, failed.failedReason]).toEqual([
        1,
        job.name === 'bogus' ? 'unknown job bogus' : `assessment ${open} has no step nope`,
      ]);
    }
  } finally {
    await queue.close();
    await closeRedis(connection);
  }
  // The completed run is untouched.
  expect((await h.get(id)).steps).toEqual(done.steps);
});
