import { runProgress } from '../support/queries';
import { useRunHarness } from '../support/runs';
import { expectTruthfulStory, STORY_FIELDS, type StoryEvent } from '../support/event-story';
import { collect, wsClient } from '../support/ws-client';

/**
 * Every event tells the state at its own moment, live and on replay, through the gateway with a
 * real graphql-ws client; and live and replay tell the same story event by event.
 */
const h = useRunHarness();
afterEach(() => {
  h.llm.latencyMs = 0;
  h.llm.behaviour = {};
});

const PROGRESS = runProgress(`${STORY_FIELDS} at assessment { id completedAt candidate { name } job { title } }`);
type Ev = {
  assessmentProgress: StoryEvent & {
    at: string;
    assessment: { id: string; completedAt: string | null; candidate: { name: string }; job: { title: string } };
  };
};

/** Live from a SNAPSHOT taken right after start, then a replay of the whole log once the run is over. */
async function liveAndReplay(id: string) {
  const client = wsClient(h.t.stack.gateway.url, h.token);
  try {
    const live = collect<Ev>(client, PROGRESS, { id });
    await live.done;
    const replay = collect<Ev>(client, PROGRESS, { id, after: 0 });
    await replay.done;
    expect(live.errors).toEqual([]);
    expect(replay.errors).toEqual([]);
    return {
      live: live.events.map((e) => e.assessmentProgress),
      replay: replay.events.map((e) => e.assessmentProgress),
    };
  } finally {
    await client.dispose();
  }
}

test('a run with a retried and a failed agent: each event carries its own state, live and on replay, and both agree', async () => {
  h.llm.latencyMs = 150;
  h.llm.behaviour = { risk: 'garbage' };
  const r = await h.start({ agents: ['skills', 'llm-technical', 'llm-risk'] });
  const id = r.data!.startAssessment.id;
  const { live, replay } = await liveAndReplay(id);

  expect(live[0]!.type).toBe('SNAPSHOT');
  const liveEvents = live.slice(1);
  expectTruthfulStory(liveEvents);
  expectTruthfulStory(replay);
  // The replay is the whole log from seq 1, and the first event says QUEUED, not how the run ended.
  expect(replay.map((e) => e.seq)).toEqual(replay.map((_, i) => i + 1));
  expect(replay[0]).toMatchObject({
    type: 'QUEUED',
    assessment: { status: 'QUEUED', progress: 0, score: null, completedAt: null },
  });
  // Live and replay tell the same story for every event both saw.
  expect(liveEvents.length).toBeGreaterThan(3);
  expect(liveEvents).toEqual(replay.filter((e) => e.seq > live[0]!.seq));
  // Fields of the other subgraphs still resolve through the gateway on every event.
  for (const e of replay)
    expect([e.assessment.candidate.name, e.assessment.job.title]).toEqual(['Grace Hopper', 'Senior Backend Engineer']);

  const types = replay.map((e) => `${e.type}${e.step ? `:${e.step.name}:${e.step.status}` : ''}`);
  expect(types.filter((t) => t === 'STEP_RETRYING:llm-risk:PENDING')).toHaveLength(2);
  expect(types).toContain('STEP_FAILED:llm-risk:FAILED');
  // Synthesis is a step like the others: it is seen RUNNING, with one attempt, before it succeeds.
  const synthesis = replay.filter((e) => e.step?.name === 'synthesis');
  expect(synthesis.map((e) => [e.type, e.step!.status, e.step!.attempts, e.assessment.status])).toEqual([
    ['STEP_STARTED', 'RUNNING', 1, 'RUNNING'],
    ['STEP_SUCCEEDED', 'SUCCEEDED', 1, 'RUNNING'],
  ]);
  const last = replay[replay.length - 1]!;
  expect(last.type).toBe('COMPLETED');
  expect(last.assessment.progress).toBe(1);
  const final = await h.get(id);
  expect(last.assessment.score).toBe(final.score);
});

test('a failed run and its retry: the replay shows the failure, then a new run from QUEUED', async () => {
  h.llm.behaviour = { technical: 'error500' };
  const r = await h.start({ agents: ['llm-technical'] });
  const id = r.data!.startAssessment.id;
  await h.waitFor(id, ['FAILED']);
  h.llm.behaviour = {};
  const retried = await h.t.gql('mutation($id: ID!) { retryAssessment(id: $id) { status } }', { id }, h.token);
  expect(retried.errors).toBeUndefined();
  const { replay } = await liveAndReplay(id);
  expectTruthfulStory(replay);
  const runEvents = replay.filter((e) => !e.step).map((e) => [e.type, e.assessment.status]);
  expect(runEvents).toEqual([
    ['QUEUED', 'QUEUED'],
    ['STARTED', 'RUNNING'],
    ['FAILED', 'FAILED'],
    ['QUEUED', 'QUEUED'],
    ['STARTED', 'RUNNING'],
    ['COMPLETED', 'COMPLETED'],
  ]);
  const failed = replay.find((e) => e.type === 'FAILED')!;
  expect(failed.assessment.steps.find((s) => s.name === 'synthesis')!.status).toBe('FAILED');
  // The second run's synthesis is its second attempt, and the first run's events still say FAILED.
  const synthStarts = replay
    .filter((e) => e.type === 'STEP_STARTED' && e.step!.name === 'synthesis')
    .map((e) => e.step!.attempts);
  expect(synthStarts).toEqual([1, 2]);
});

test('a cancelled run: the CANCELLED event shows the run cancelled and the unfinished steps skipped', async () => {
  h.llm.behaviour = { technical: 'slow' };
  h.llm.slowMs = 3000;
  const r = await h.start({ agents: ['skills', 'llm-technical'] });
  const id = r.data!.startAssessment.id;
  const client = wsClient(h.t.stack.gateway.url, h.token);
  try {
    let asked = false;
    const live = collect<Ev>(client, PROGRESS, { id }, (e) => {
      // Cancelled while the LLM agent runs: seen in its STEP_STARTED, or already in the SNAPSHOT
      // when the worker got that far before the subscription began.
      const steps = e.assessmentProgress.assessment.steps;
      if (!asked && steps.find((s) => s.name === 'llm-technical')?.status === 'RUNNING') {
        asked = true;
        void h.t.gql('mutation($id: ID!) { cancelAssessment(id: $id) { status } }', { id }, h.token);
      }
    });
    await live.done;
    const events = live.events.map((e) => e.assessmentProgress);
    expectTruthfulStory(events.slice(1));
    const cancelled = events[events.length - 1]!;
    expect(cancelled.type).toBe('CANCELLED');
    expect(cancelled.assessment.status).toBe('CANCELLED');
    expect(cancelled.assessment.steps.find((s) => s.name === 'llm-technical')!.status).toBe('SKIPPED');
    expect(cancelled.assessment.steps.find((s) => s.name === 'synthesis')!.status).toBe('SKIPPED');
  } finally {
    await client.dispose();
    h.llm.slowMs = 10_000;
  }
});
