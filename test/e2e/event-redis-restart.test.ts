import { expectTruthfulStory } from '../support/event-story';
import { RUN_STORY, streamEnd, TENANT_STORY, type RunStoryEvent, type TenantStoryEvent } from '../support/queries';
import { startTestRedis, type TestRedis } from '../support/redis-server';
import { useRunHarness } from '../support/runs';
import { collect, wsClient } from '../support/ws-client';
import { waitFor } from '../support/wait';

/**
 * Redis is killed and restarted (same data) in the middle of a run: both subscriptions carry on
 * and every event of the run reaches them once, in order.
 */
let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
const h = useRunHarness(() => ({ REDIS_URL: redis.url, EVENT_POLL_MS: '500', EVENT_CATCHUP_MS: '1000' }));
// Below the harness, so it closes after it.
afterAll(async () => {
  await redis?.close();
});

test('Redis killed mid-run, events recorded while it is down, then restarted: no event lost for tenant-wide or per-run subscribers', async () => {
  h.llm.latencyMs = 300;
  const client = wsClient(h.t.stack.gateway.url, h.token);
  try {
    const after = await streamEnd(h.t, h.token);
    const tenant = collect<TenantStoryEvent>(client, TENANT_STORY, { after });
    // A second dashboard that leaves before the outage and comes back after it with its cursor.
    const leaver = collect<TenantStoryEvent>(client, TENANT_STORY, { after });
    const id = (await h.start({ agents: ['skills', 'llm-technical', 'llm-communication', 'llm-risk'] })).data!
      .startAssessment.id;
    const run = collect<RunStoryEvent>(client, RUN_STORY, { id });
    const llmRunning = (s: typeof tenant) =>
      s.events.some(
        (e) => e.assessmentEvents.type === 'STEP_STARTED' && e.assessmentEvents.step?.name.startsWith('llm-'),
      );
    await waitFor(
      async () => llmRunning(tenant) && llmRunning(leaver),
      20_000,
      'an LLM agent running, seen by both dashboards',
    );
    leaver.stop();
    const leftAt = leaver.events[leaver.events.length - 1]!.assessmentEvents;
    // Down long enough for the running agents to record their results in MongoDB meanwhile.
    const before = (await h.full(id)).eventSeq;
    await redis.stop();
    await waitFor(async () => (await h.full(id)).eventSeq > before, 20_000, 'an event recorded while Redis is down');
    await redis.start();
    await run.done;
    await waitFor(
      async () => tenant.events.some((e) => e.assessmentEvents.type === 'COMPLETED'),
      30_000,
      'COMPLETED on the tenant subscription',
    );
    tenant.stop();
    expect(tenant.errors).toEqual([]);
    expect(run.errors).toEqual([]);
    const stored = (await h.full(id)).events.map((e) => [e.seq, e.type]);
    const ofRun = tenant.events.map((e) => e.assessmentEvents).filter((e) => e.assessment.id === id);
    // The tenant subscription went live before the run started: it has the whole log.
    expect(ofRun.map((e) => [e.seq, e.type])).toEqual(stored);
    expectTruthfulStory(ofRun);
    // The dashboard that left resumes from its cursor: the rest of the run, once, in order.
    const back = collect<TenantStoryEvent>(client, TENANT_STORY, { after: leftAt.cursor });
    await waitFor(
      async () => back.events.some((e) => e.assessmentEvents.type === 'COMPLETED'),
      10_000,
      'the resumed dashboard to see COMPLETED',
    );
    back.stop();
    expect(back.errors).toEqual([]);
    expect(back.events.map((e) => [e.assessmentEvents.seq, e.assessmentEvents.type])).toEqual(
      stored.filter(([seq]) => (seq as number) > leftAt.seq),
    );
    const progress = run.events.map((e) => e.assessmentProgress);
    expect(progress[0]!.type).toBe('SNAPSHOT');
    expect(progress.slice(1).map((e) => [e.seq, e.type])).toEqual(
      stored.filter(([seq]) => (seq as number) > progress[0]!.seq),
    );
    expect(progress[progress.length - 1]!.type).toBe('COMPLETED');
  } finally {
    await client.dispose();
    h.llm.latencyMs = 0;
  }
});
