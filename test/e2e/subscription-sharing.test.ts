import type { Client, ExecutionResult } from 'graphql-ws';
import { ObjectId } from 'mongodb';
import { ServiceTokens } from '../../shared/auth';
import { createLogger } from '../../shared/logger';
import { closeRedis, redisConnection } from '../../shared/redis';
import { EventRelay, eventsDoorbell } from '../../subgraphs/assessment/events/relay';
import { AssessmentRepository } from '../../subgraphs/assessment/store/repository';
import { createCandidate, createJob } from '../support/graph-fixtures';
import { runProgress } from '../support/queries';
import { REAL_REDIS_URL, useRunHarness } from '../support/runs';
import { TEST_INTERNAL_JWT_SECRET } from '../support/secrets';
import { collect, wsClient, type Collected } from '../support/ws-client';
import { waitFor } from '../support/wait';

/**
 * What the gateway shares between subscribers, and what it never does: identical live subscriptions
 * of one tenant share one upstream stream, and every subscription of a tenant rides that tenant's
 * one socket to the subgraph, each subscribe carrying its caller's own token. Two tenants share
 * neither, and a token in a subscribe's extensions is the subgraph's to verify, never the client's
 * to choose at the gateway.
 */
const h = useRunHarness();

/** Live only (no `after`), so identical ones of a tenant share one stream. */
const EVENTS = 'subscription { assessmentEvents { type assessment { id candidate { name } } } }';
const PROGRESS = runProgress('seq type assessment { id status candidate { name } }');
type TenantEvent = { assessmentEvents: { type: string; assessment: { id: string; candidate: { name: string } } } };
type RunEvent = { assessmentProgress: { seq: number; type: string; assessment: { id: string; status: string } } };

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});
const connect = (url: string, token: string): Client => {
  const c = wsClient(url, token);
  clients.push(c);
  return c;
};
const codes = (errors: unknown[]) => errors.map((e) => (e as { extensions?: { code?: string } }).extensions?.code);

/** A second tenant with a candidate and a job of its own, and a run of its own when asked. */
async function otherTenant() {
  const { id, admin } = await h.t.newTenant();
  const candidateId = await createCandidate(
    h.t,
    {
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      skills: ['Mathematics', 'Analysis'],
      yearsExperience: 9,
      resumeText: 'Wrote the first published programs for the Analytical Engine and notes on its mathematics.',
    },
    admin,
  );
  const jobId = await createJob(
    h.t,
    { title: 'Analyst', description: 'Programs for engines', requiredSkills: ['Mathematics'], minYearsExperience: 3 },
    admin,
  );
  const start = async () => {
    const r = await h.t.gql<{ startAssessment: { id: string } }>(
      'mutation($i: StartAssessmentInput!) { startAssessment(input: $i) { id } }',
      { i: { candidateId, jobId, agents: ['profile'] } },
      admin,
    );
    return r.data!.startAssessment.id;
  };
  return { id, admin, viewer: await h.t.token('viewer', id), start };
}

/** Subscribes with a subscribe message of one's own (extensions included) and collects until it ends. */
function raw<T>(client: Client, payload: { query: string; variables?: Record<string, unknown>; extensions?: object }) {
  const out = { events: [] as T[], errors: [] as unknown[] };
  const done = new Promise<void>((resolve) => {
    client.subscribe<T>(payload as never, {
      next: (r: ExecutionResult<T>) => {
        if (r.errors) out.errors.push(...r.errors);
        if (r.data) out.events.push(r.data);
      },
      error: (e) => {
        out.errors.push(...(Array.isArray(e) ? e : [e]));
        resolve();
      },
      complete: () => resolve(),
    });
  });
  return done.then(() => out);
}

async function listened(tenantId: string): Promise<void> {
  const redis = redisConnection(REAL_REDIS_URL, 'worker');
  try {
    const channel = eventsDoorbell(h.prefix, tenantId);
    await waitFor(
      async () => Number(((await redis.pubsub('NUMSUB', channel)) as [string, number])[1]) >= 1,
      5000,
      `a listener on tenant ${tenantId}'s events`,
    );
  } finally {
    await closeRedis(redis);
  }
}

test('identical live subscriptions of two tenants: a stream and a socket per tenant, each seeing only its own runs', async () => {
  const gw = h.t.stack.gateway;
  const b = await otherTenant();
  const aTokens = [h.token, await h.t.token('viewer', h.tenantId), await h.t.token('recruiter', h.tenantId)];
  const subsA = aTokens.map((token) => collect<TenantEvent>(connect(gw.url, token), EVENTS));
  const subsB = [b.admin, b.viewer].map((token) => collect<TenantEvent>(connect(gw.url, token), EVENTS));
  await waitFor(async () => gw.openSubscriptions() === 5, 5000, 'five subscriptions to open');
  await Promise.all([listened(h.tenantId), listened(b.id)]);
  expect(gw.sharedStreams()).toBe(2);
  expect(gw.upstreamSockets()).toBe(2);
  // What operators see: five subscriptions, two upstream of them on two sockets.
  const metrics = await (await fetch(gw.metricsUrl)).text();
  for (const [name, value] of [
    ['hiregraph_subscriptions_open', 5],
    ['hiregraph_subscription_upstream_sockets', 2],
    ['hiregraph_subscription_upstream_subscriptions', 2],
    ['hiregraph_subscription_shared_streams', 2],
  ] as const)
    expect(metrics).toMatch(new RegExp(`^${name}(\\{[^}]*\\})? ${value}$`, 'm'));

  const [runA, runB] = [(await h.start({ agents: ['profile'] })).data!.startAssessment.id, await b.start()];
  const sawEnd = (s: Collected<TenantEvent>, id: string) =>
    s.events.some((e) => e.assessmentEvents.assessment.id === id && e.assessmentEvents.type === 'COMPLETED');
  await waitFor(
    async () => subsA.every((s) => sawEnd(s, runA)) && subsB.every((s) => sawEnd(s, runB)),
    30_000,
    'every subscriber to see its own run complete',
  );
  for (const s of subsA) {
    expect(s.errors).toEqual([]);
    expect(new Set(s.events.map((e) => e.assessmentEvents.assessment.id))).toEqual(new Set([runA]));
    expect(new Set(s.events.map((e) => e.assessmentEvents.assessment.candidate.name))).toEqual(
      new Set(['Grace Hopper']),
    );
  }
  for (const s of subsB) {
    expect(s.errors).toEqual([]);
    expect(new Set(s.events.map((e) => e.assessmentEvents.assessment.id))).toEqual(new Set([runB]));
    expect(new Set(s.events.map((e) => e.assessmentEvents.assessment.candidate.name))).toEqual(
      new Set(['Ada Lovelace']),
    );
  }
  // Each tenant's subscribers got the same events, in the same order.
  expect(subsA[1]!.events).toEqual(subsA[0]!.events);
  expect(subsB[1]!.events).toEqual(subsB[0]!.events);

  for (const s of [...subsA, ...subsB]) s.stop();
  await waitFor(
    async () => gw.openSubscriptions() === 0 && gw.sharedStreams() === 0 && gw.upstreamSockets() === 0,
    5000,
    'the streams and sockets to close with their last subscriber',
  );
});

test("per-run subscriptions of many connections ride their tenant's one socket; another tenant's caller gets NOT_FOUND", async () => {
  const gw = h.t.stack.gateway;
  const b = await otherTenant();
  // The LLM agent answers only after the run is cancelled, so every subscription is open at once.
  h.llm.latencyMs = 60_000;
  try {
    const id = (await h.start({ agents: ['llm-technical'] })).data!.startAssessment.id;
    const tokens = await Promise.all([1, 2, 3, 4].map((i) => h.t.token('viewer', h.tenantId, `viewer-${i}`)));
    const subs = tokens.map((token) => collect<RunEvent>(connect(gw.url, token), PROGRESS, { id }));
    await waitFor(
      async () => subs.every((s) => s.events.length > 0) && gw.openSubscriptions() === 4,
      10_000,
      'four SNAPSHOTs',
    );
    expect(gw.upstreamSockets()).toBe(1);
    const foreign = collect<RunEvent>(connect(gw.url, b.viewer), PROGRESS, { id });
    await foreign.done;
    expect(foreign.events).toEqual([]);
    expect(codes(foreign.errors)).toEqual(['NOT_FOUND']);
    const cancelled = await h.t.gql('mutation($id: ID!) { cancelAssessment(id: $id) { id } }', { id }, h.token);
    expect(cancelled.errors).toBeUndefined();
    await Promise.all(subs.map((s) => s.done));
    for (const s of subs) {
      expect(s.errors).toEqual([]);
      const seqs = s.events.map((e) => e.assessmentProgress.seq);
      expect(s.events[0]!.assessmentProgress.type).toBe('SNAPSHOT');
      for (let i = 2; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
      expect(s.events.at(-1)!.assessmentProgress.type).toBe('CANCELLED');
    }
    await waitFor(async () => gw.upstreamSockets() === 0, 5000, 'the socket to close with its last subscription');
  } finally {
    h.llm.latencyMs = 0;
  }
});

test("on the subgraph's socket a subscribe runs as the token it carries, verified; at the gateway a client cannot choose it", async () => {
  const b = await otherTenant();
  const runA = (await h.start({ agents: ['profile'] })).data!.startAssessment.id;
  const runB = await b.start();
  await h.waitFor(runA, ['COMPLETED']);
  await waitFor(async () => {
    const r = await h.t.gql<{ assessment: { status: string } }>(
      'query($id: ID!) { assessment(id: $id) { status } }',
      { id: runB },
      b.admin,
    );
    return r.data?.assessment.status === 'COMPLETED';
  }, 30_000);
  // Only the assessment subgraph's own fields: this goes to the subgraph as well as the gateway.
  const query = runProgress('seq type assessment { id status }');
  const progress = (id: string, extensions?: object) => ({ query, variables: { id }, extensions });
  const types = (r: { events: RunEvent[] }) => r.events.map((e) => e.assessmentProgress.type);

  // Straight to the assessment subgraph, connected as tenant A.
  const sub = connect(h.t.stack.subgraphs.assessment.url, h.token);
  const asB = { authorization: `Bearer ${b.viewer}` };
  expect(types(await raw<RunEvent>(sub, progress(runA)))).toEqual(['SNAPSHOT']);
  expect(types(await raw<RunEvent>(sub, progress(runB, asB)))).toEqual(['SNAPSHOT']);
  const foreign = await raw<RunEvent>(sub, progress(runA, asB));
  expect(foreign.events).toEqual([]);
  expect(codes(foreign.errors)).toEqual(['NOT_FOUND']);
  const service = await new ServiceTokens(TEST_INTERNAL_JWT_SECRET).authorization(h.tenantId);
  for (const authorization of ['Bearer not-a-jwt', service]) {
    const refused = await raw<RunEvent>(sub, progress(runA, { authorization }));
    expect(refused.events).toEqual([]);
    expect(codes(refused.errors)).toEqual(['UNAUTHENTICATED']);
  }

  // Through the gateway, connected as tenant A: a token in the client's own extensions changes nothing.
  const gw = connect(h.t.stack.gateway.url, h.token);
  expect(types(await raw<RunEvent>(gw, progress(runA, asB)))).toEqual(['SNAPSHOT']);
  const smuggled = await raw<RunEvent>(gw, progress(runB, asB));
  expect(smuggled.events).toEqual([]);
  expect(codes(smuggled.errors)).toEqual(['NOT_FOUND']);
});

test('viewers of one run share one upstream once there are two; each gets every seq once, in order, from its own start', async () => {
  const gw = h.t.stack.gateway;
  const redis = redisConnection(REAL_REDIS_URL, 'worker');
  const relay = new EventRelay({ redis, prefix: h.prefix, log: createLogger('test', 'silent') });
  const repo = new AssessmentRepository(h.t.stack.subgraphs.assessment.db, new ObjectId(h.tenantId));
  // The LLM agent answers only after the run is cancelled: the run's only events are those recorded here.
  h.llm.latencyMs = 60_000;
  try {
    const id = (await h.start({ agents: ['llm-technical'] })).data!.startAssessment.id;
    await waitFor(async () => h.llm.received.length > 0, 10_000, 'the LLM step to start');
    /** An event recorded as a worker records one: in MongoDB, then relayed. */
    const record = async () => {
      const out = await repo.transition(new ObjectId(id), () => ({ events: [{ type: 'STEP_RETRYING' }] }));
      await relay.publish(out!.doc, out!.events, () => repo.eventLog(new ObjectId(id)));
      return out!.doc.eventSeq;
    };
    const viewer = async (i: number, variables: Record<string, unknown>) =>
      collect<RunEvent>(connect(gw.url, await h.t.token('viewer', h.tenantId, `viewer-${i}`)), PROGRESS, {
        id,
        ...variables,
      });
    const has = (s: Collected<RunEvent>, seq: number) => s.events.some((e) => e.assessmentProgress.seq === seq);
    /** Records events until every viewer has the last one and only the shared upstream remains. */
    const settle = async (subs: Array<Collected<RunEvent>>) =>
      waitFor(
        async () => {
          const seq = await record();
          await waitFor(async () => subs.every((s) => has(s, seq)), 10_000, `every viewer to get seq ${seq}`);
          return gw.upstreamSubscriptions() === 1;
        },
        15_000,
        'the viewers to move to the shared stream',
      );

    const a = await viewer(1, {});
    await waitFor(async () => a.events.length > 0, 5000, "the first viewer's SNAPSHOT");
    expect(gw.sharedStreams()).toBe(0);
    const b = await viewer(2, {});
    await waitFor(async () => b.events.length > 0, 5000, "the second viewer's SNAPSHOT");
    expect(gw.sharedStreams()).toBe(1);
    await settle([a, b]);
    // Late joiners: one from a SNAPSHOT, one replaying from seq 1.
    const c = await viewer(3, {});
    const d = await viewer(4, { after: 1 });
    await waitFor(async () => c.events.length > 0 && d.events.length > 0, 5000, 'the late viewers to start');
    await settle([a, b, c, d]);
    expect(gw.sharedStreams()).toBe(1);

    const cancelled = await h.t.gql('mutation($id: ID!) { cancelAssessment(id: $id) { id } }', { id }, h.token);
    expect(cancelled.errors).toBeUndefined();
    await Promise.all([a, b, c, d].map((s) => s.done));
    const final = (await h.full(id)).eventSeq;
    for (const s of [a, b, c, d]) {
      expect(s.errors).toEqual([]);
      const evs = s.events.map((e) => e.assessmentProgress);
      const live = s === d ? evs : evs.slice(1);
      if (s !== d) expect(evs[0]!.type).toBe('SNAPSHOT');
      const first = s === d ? 2 : evs[0]!.seq + 1;
      expect(live.map((e) => e.seq)).toEqual(Array.from({ length: final - first + 1 }, (_, i) => first + i));
      expect(evs.at(-1)!.type).toBe('CANCELLED');
      // The seq the gateway asks the subgraph for never reaches a client.
      for (const e of evs) expect(Object.keys(e).sort()).toEqual(['assessment', 'seq', 'type']);
    }
    // One story: the same seq says the same thing to every viewer.
    const told = (s: Collected<RunEvent>) =>
      new Map(
        s.events.filter((e) => e.assessmentProgress.type !== 'SNAPSHOT').map((e) => [e.assessmentProgress.seq, e]),
      );
    for (const s of [b, c, d])
      for (const [seq, e] of told(s)) if (told(a).has(seq)) expect(e).toEqual(told(a).get(seq));
    await waitFor(
      async () => gw.sharedStreams() === 0 && gw.upstreamSubscriptions() === 0,
      5000,
      'the shared stream to end with its run',
    );
  } finally {
    h.llm.latencyMs = 0;
    await closeRedis(redis);
  }
});
