import { expectTruthfulStory } from '../support/event-story';
import { RUN_STORY, streamEnd, TENANT_STORY, type RunStoryEvent, type TenantStoryEvent } from '../support/queries';
import { startSentinelCluster, type SentinelCluster } from '../support/redis-sentinel';
import { expectContiguous, useRunHarness } from '../support/runs';
import { collect, wsClient } from '../support/ws-client';
import { waitFor } from '../support/wait';

/**
 * Redis under Sentinel, its primary killed while runs are in flight: every process follows the
 * promoted replica; every run ends COMPLETED with each step recorded once; subscribers, per run
 * and tenant-wide, get every event once and in order.
 */
let cluster: SentinelCluster;
beforeAll(async () => {
  cluster = await startSentinelCluster();
});
const h = useRunHarness(
  () => ({
    REDIS_SENTINELS: cluster.sentinels,
    REDIS_SENTINEL_NAME: cluster.name,
    EVENT_POLL_MS: '500',
    EVENT_CATCHUP_MS: '1000',
  }),
  {},
  { workers: 2 },
);
// Below the harness, so it closes after it.
afterAll(async () => {
  await cluster?.close();
});

test('the Redis primary is killed under load: runs, per-run and tenant-wide subscribers lose nothing', async () => {
  h.llm.latencyMs = 400;
  const client = wsClient(h.t.stack.gateway.url, h.token);
  try {
    const tenant = collect<TenantStoryEvent>(client, TENANT_STORY, { after: await streamEnd(h.t, h.token) });
    const agents = ['skills', 'llm-technical', 'llm-communication'];
    const start = async () => {
      const r = await h.start({ agents });
      if (!r.data) throw new Error(`startAssessment failed: ${JSON.stringify(r.errors)}`);
      return r.data.startAssessment.id;
    };
    const ids = [await start(), await start(), await start()];
    const runs = ids.map((id) => collect<RunStoryEvent>(client, RUN_STORY, { id }));
    await waitFor(async () => h.llm.received.length >= 2, 20_000, 'LLM agents running');
    const { from, to } = await cluster.failover();
    expect(to).not.toBe(from);
    // Runs started after the failover, as soon as the API takes them again.
    for (let i = 0; i < 2; i++)
      ids.push(await waitFor(() => start().catch(() => undefined), 30_000, 'startAssessment to succeed again'));
    for (const id of ids) expect((await h.waitFor(id, ['COMPLETED', 'FAILED'], 60_000)).status).toBe('COMPLETED');
    await Promise.all(runs.map((r) => r.done));
    await waitFor(
      async () =>
        ids.every((id) =>
          tenant.events.some((e) => e.assessmentEvents.assessment.id === id && e.assessmentEvents.type === 'COMPLETED'),
        ),
      30_000,
      'COMPLETED of every run on the tenant subscription',
    );
    tenant.stop();
    expect(tenant.errors).toEqual([]);
    for (const [i, id] of ids.entries()) {
      const doc = await h.full(id);
      expectContiguous(doc);
      const stored = doc.events.map((e) => [e.seq, e.type]);
      // Each step's result recorded once.
      for (const step of ['skills', ...agents.slice(1), 'synthesis']) {
        expect(doc.events.filter((e) => e.type === 'STEP_SUCCEEDED' && e.step?.name === step)).toHaveLength(1);
      }
      const ofRun = tenant.events.map((e) => e.assessmentEvents).filter((e) => e.assessment.id === id);
      expect(ofRun.map((e) => [e.seq, e.type])).toEqual(stored);
      expectTruthfulStory(ofRun);
      if (i < runs.length) {
        const progress = runs[i]!.events.map((e) => e.assessmentProgress);
        expect(runs[i]!.errors).toEqual([]);
        expect(progress[0]!.type).toBe('SNAPSHOT');
        expect(progress.slice(1).map((e) => [e.seq, e.type])).toEqual(
          stored.filter(([seq]) => (seq as number) > progress[0]!.seq),
        );
      }
    }
  } finally {
    await client.dispose();
    h.llm.latencyMs = 0;
  }
}, 120_000);
