import { closeRedis, redisConnection } from '../../shared/redis';
import { eventsDoorbell } from '../../subgraphs/assessment/events/relay';
import { EVENTS_SEQ, runProgress, streamEnd, tenantEvents } from '../support/queries';
import { REAL_REDIS_URL, useRunHarness } from '../support/runs';
import { collect, wsClient } from '../support/ws-client';
import { waitFor } from '../support/wait';

/** Federated subscriptions through the gateway with a real graphql-ws client. */
const h = useRunHarness();

const PROGRESS = runProgress(
  'seq type step { name status } assessment { id status progress candidate { name email } job { title requiredSkills } }',
);
type Ev = {
  assessmentProgress: {
    seq: number;
    type: string;
    step: { name: string } | null;
    assessment: { status: string; candidate: { name: string }; job: { title: string } };
  };
};

test('a SNAPSHOT, then every event in seq order, with fields from the candidate and job subgraphs', async () => {
  const client = wsClient(h.t.stack.gateway.url, h.token);
  try {
    const r = await h.start({ agents: ['skills', 'experience'] });
    const id = r.data!.startAssessment.id;
    const sub = collect<Ev>(client, PROGRESS, { id });
    await sub.done;
    expect(sub.errors).toEqual([]);
    const evs = sub.events.map((e) => e.assessmentProgress);
    expect(evs[0]!.type).toBe('SNAPSHOT');
    for (let i = 1; i < evs.length; i++) expect(evs[i]!.seq).toBe(evs[i - 1]!.seq + 1);
    expect(evs[evs.length - 1]!.type).toBe('COMPLETED');
    for (const e of evs) {
      expect(e.assessment.candidate.name).toBe('Grace Hopper');
      expect(e.assessment.job.title).toBe('Senior Backend Engineer');
    }
    const full = await h.full(id);
    expect(evs[evs.length - 1]!.seq).toBe(full.eventSeq);
    // afterSeq replays what was stored after it, then completes (the run is over).
    const replay = collect<Ev>(client, PROGRESS, { id, after: 3 });
    await replay.done;
    expect(replay.events.map((e) => e.assessmentProgress.seq)).toEqual(
      full.events.filter((e) => e.seq > 3).map((e) => e.seq),
    );
  } finally {
    await client.dispose();
  }
});

test('a subscription sent over HTTP is pointed to graphql-ws', async () => {
  const r = await h.t.gql(EVENTS_SEQ, {}, h.token);
  expect(r.status).toBe(400);
  expect(r.errors?.[0]?.message).toMatch(/graphql-ws/);
});

test('a bad or missing token closes the socket with 4403', async () => {
  for (const token of [undefined, 'not-a-jwt']) {
    let code = 0;
    const client = wsClient(h.t.stack.gateway.url, token, (c) => {
      code = c;
    });
    const sub = collect(client, EVENTS_SEQ);
    await sub.done;
    expect(code).toBe(4403);
    await client.dispose();
  }
});

test("another tenant's assessment yields nothing but the same error a missing one gives", async () => {
  const r = await h.start({ agents: ['skills'] });
  const other = await h.t.newTenant();
  const client = wsClient(h.t.stack.gateway.url, other.admin);
  try {
    const foreign = collect<Ev>(client, PROGRESS, { id: r.data!.startAssessment.id });
    const missing = collect<Ev>(client, PROGRESS, { id: '0123456789abcdef01234567' });
    await Promise.all([foreign.done, missing.done]);
    expect(foreign.events).toEqual([]);
    const codes = (x: typeof foreign) =>
      x.errors.map((e) => (e as { extensions?: { code?: string } }).extensions?.code);
    expect(codes(foreign)).toEqual(['NOT_FOUND']);
    expect(codes(missing)).toEqual(codes(foreign));
  } finally {
    await client.dispose();
  }
});

test('assessmentEvents streams every run of the tenant; unsubscribing tears the upstream down', async () => {
  const client = wsClient(h.t.stack.gateway.url, h.token);
  try {
    const seen: Array<{ assessmentEvents: { type: string; assessment: { id: string; job: { title: string } } } }> = [];
    const sub = collect<(typeof seen)[number]>(
      client,
      tenantEvents('seq type assessment { id job { title } }'),
      { after: await streamEnd(h.t, h.token) },
      (e) => seen.push(e),
    );
    await waitFor(async () => h.t.stack.gateway.openSubscriptions() === 1, 5000, 'the subscription to open');
    const r = await h.start({ agents: ['profile'] });
    const id = r.data!.startAssessment.id;
    await waitFor(
      async () => seen.some((e) => e.assessmentEvents.assessment.id === id && e.assessmentEvents.type === 'COMPLETED'),
      20_000,
      "the run's COMPLETED event",
    );
    expect(seen.every((e) => e.assessmentEvents.assessment.job.title === 'Senior Backend Engineer')).toBe(true);
    sub.stop();
    await waitFor(async () => h.t.stack.gateway.openSubscriptions() === 0, 5000, 'the subscription to close');
    // ... and in the assessment subgraph: nobody listens on the tenant's Redis channel any more.
    const redis = redisConnection(REAL_REDIS_URL, 'worker');
    try {
      const channel = eventsDoorbell(h.prefix, h.tenantId);
      await waitFor(
        async () => Number(((await redis.pubsub('NUMSUB', channel)) as [string, number])[1]) === 0,
        5000,
        'the Redis listener to go',
      );
    } finally {
      await closeRedis(redis);
    }
  } finally {
    await client.dispose();
  }
});
