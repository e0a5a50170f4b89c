import { Redis } from 'ioredis';
import { mongoCommandCountsAt } from '../support/metrics';
import { expectContiguous, REAL_REDIS_URL, useRunHarness } from '../support/runs';
import { waitFor } from '../support/wait';

/**
 * What one run costs its worker in round trips, counted where they happen: MongoDB commands by the
 * driver's command monitoring on the worker's client (its /metrics), Redis calls by a MONITOR
 * connection, filtered to the run's own event keys.
 */
const h = useRunHarness(
  {
    // Nothing but the run talks to MongoDB meanwhile: no reconciler pass, no cancel check (agents here take no time).
    RECONCILE_INTERVAL_MS: '3600000',
    RECONCILE_AFTER_MS: '3600000',
    CANCEL_CHECK_MS: '60000',
    // Nor a job taken for stalled on a busy machine and delivered again.
    JOB_LOCK_MS: '30000',
  },
  {},
  { workers: 0 },
);

const AGENTS = ['skills', 'experience', 'keywords', 'profile', 'llm-technical', 'llm-communication'];
/** validation, the agents, synthesis. */
const STEPS = AGENTS.length + 2;

/** MongoDB commands the worker sent while `fn` ran, by name. */
async function workerCommands(metricsUrl: string, fn: () => Promise<void>): Promise<Record<string, number>> {
  const before = await mongoCommandCountsAt([metricsUrl]);
  await fn();
  const after = await mongoCommandCountsAt([metricsUrl]);
  const delta: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v > (before[k] ?? 0)) delta[k] = v - (before[k] ?? 0);
  return delta;
}

test('a six-agent run: one read, one compare-and-set per checkpoint, one relay call per checkpoint', async () => {
  const worker = await h.startWorker();
  // Its first pass runs at start: done before counting.
  await worker.reconciler.pass();
  const redis = new Redis(REAL_REDIS_URL);
  // A connection of its own in monitor mode: every command any client sends, as Redis runs it.
  const monitor = await redis.monitor();
  const appends = new Map<string, number>();
  const mark = `${h.prefix}:monitor-mark`;
  let marked = false;
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (args[1] === mark) marked = true;
    // The relay's script: KEYS are the tenant's stream, then the run's published-seq record.
    if (source === 'lua' || !/^eval(sha)?$/i.test(args[0] ?? '')) return;
    const seqKey = args[4] ?? '';
    if (seqKey.startsWith(`${h.prefix}:assessment-published:`)) appends.set(seqKey, (appends.get(seqKey) ?? 0) + 1);
  });
  try {
    let id = '';
    const mongo = await workerCommands(worker.metricsUrl, async () => {
      const r = await h.start({ agents: AGENTS });
      id = r.data!.startAssessment.id;
      expect((await h.waitFor(id, ['COMPLETED', 'FAILED'])).status).toBe('COMPLETED');
      await h.drained();
    });
    // MONITOR reports commands in the order Redis ran them: once it shows this one, it has shown the run's.
    await redis.get(mark);
    await waitFor(async () => marked, 5000, 'MONITOR to catch up');
    const full = await h.full(id);
    expectContiguous(full);
    expect(full.steps.every((s) => s.status === 'SUCCEEDED' && s.attempts === 1)).toBe(true);
    // Two checkpoints per step (started, then its outcome), each one compare-and-set that answers
    // with the document when it loses; only validation, first to see the run, reads it first.
    const total = Object.values(mongo).reduce((a, b) => a + b, 0);
    expect({ total, find: mongo.find }).toEqual({ total: Math.min(total, 1 + 2 * STEPS), find: 1 });
    expect(Object.keys(mongo).sort()).toEqual(['find', 'findAndModify']);
    // The relay: the API's QUEUED, then one call per checkpoint, however many events it recorded.
    expect(appends.get(`${h.prefix}:assessment-published:${id}`)).toBeLessThanOrEqual(1 + 2 * STEPS);
  } finally {
    monitor.disconnect();
    redis.disconnect();
  }
});
