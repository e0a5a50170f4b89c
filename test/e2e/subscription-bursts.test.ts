import type { Client } from 'graphql-ws';
import { ObjectId } from 'mongodb';
import { AssessmentRepository } from '../../subgraphs/assessment/store/repository';
import { runProgress } from '../support/queries';
import { useRunHarness } from '../support/runs';
import { waitFor } from '../support/wait';
import { collect, wsClient, type Collected } from '../support/ws-client';

/**
 * Limits hold under bursts: subscribes sent at once, all before any is answered. No worker runs,
 * so the assessment stays QUEUED and every served subscription stays open after its SNAPSHOT,
 * which is the signal that it is live.
 */
const h = useRunHarness(
  { SUBSCRIPTIONS_PER_CONNECTION: '50', SUBSCRIPTIONS_PER_TENANT: '70', EVENT_CATCHUP_MS: '500' },
  {},
  { workers: 0 },
);
let assessmentId: string;
beforeAll(async () => {
  assessmentId = (await h.start({ agents: ['skills'] })).data!.startAssessment.id;
});

const PROGRESS = runProgress('seq type assessment { status candidate { name } }');
type Ev = {
  assessmentProgress: { seq: number; type: string; assessment: { status: string; candidate: { name: string } } };
};
type Sub = Collected<Ev>;

const codeOf = (s: Sub) => (s.errors[0] as { extensions?: { code?: string } } | undefined)?.extensions?.code;

/** Sends `n` subscribes on a client at once and waits until each is either live (SNAPSHOT) or refused. */
async function burst(client: Client, n: number): Promise<Sub[]> {
  const subs = Array.from({ length: n }, () => collect<Ev>(client, PROGRESS, { id: assessmentId }));
  await waitFor(
    async () => subs.every((s) => s.events.length > 0 || s.errors.length > 0),
    20_000,
    `${n} subscribes answered`,
  );
  return subs;
}

test('60 subscribes at once on one connection with a limit of 50: 50 served, 10 refused with RATE_LIMITED', async () => {
  const client = wsClient(h.t.stack.gateway.url, h.token);
  try {
    const subs = await burst(client, 60);
    const served = subs.filter((s) => s.events.length > 0);
    const refused = subs.filter((s) => s.errors.length > 0);
    expect(served).toHaveLength(50);
    expect(refused).toHaveLength(10);
    for (const s of refused) expect(codeOf(s)).toBe('RATE_LIMITED');
    for (const s of served)
      expect(s.events[0]!.assessmentProgress).toMatchObject({
        type: 'SNAPSHOT',
        assessment: { status: 'QUEUED', candidate: { name: 'Grace Hopper' } },
      });
    expect(h.t.stack.gateway.openSubscriptions()).toBe(50);
    // A freed slot is usable again at once, and the limit still holds after it.
    served[0]!.stop();
    await waitFor(async () => h.t.stack.gateway.openSubscriptions() === 49, 5000, 'one slot freed');
    const again = await burst(client, 2);
    expect(again.map((s) => (s.events.length ? 'served' : codeOf(s))).sort()).toEqual(['RATE_LIMITED', 'served']);
  } finally {
    await client.dispose();
  }
  await waitFor(async () => h.t.stack.gateway.openSubscriptions() === 0, 5000, 'every slot released on close');
});

test('three connections of one tenant bursting 30 each against a tenant limit of 70: 70 served in all', async () => {
  const clients = [0, 1, 2].map(() => wsClient(h.t.stack.gateway.url, h.token));
  try {
    const all = (await Promise.all(clients.map((c) => burst(c, 30)))).flat();
    expect(all.filter((s) => s.events.length > 0)).toHaveLength(70);
    const refused = all.filter((s) => s.errors.length > 0);
    expect(refused).toHaveLength(20);
    for (const s of refused) expect(codeOf(s)).toBe('RATE_LIMITED');
    expect(h.t.stack.gateway.openSubscriptions()).toBe(70);
  } finally {
    for (const c of clients) await c.dispose();
  }
  await waitFor(async () => h.t.stack.gateway.openSubscriptions() === 0, 5000, 'every slot released on close');
});

test('refused subscribes give their slot back: syntax and validation errors carry codes and count for nothing', async () => {
  const client = wsClient(h.t.stack.gateway.url, h.token);
  try {
    const bad = [
      collect(client, 'subscription { assessmentProgress(id: '),
      collect(client, 'subscription { nope { seq } }'),
      collect(client, 'subscription A { assessmentEvents { seq } }', {}),
    ];
    await Promise.all(bad.slice(0, 2).map((s) => s.done));
    await waitFor(async () => h.t.stack.gateway.openSubscriptions() === 1, 5000, 'the valid one open');
    expect(bad.slice(0, 2).map((s) => codeOf(s as Sub))).toEqual(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']);
    bad[2]!.stop();
    await waitFor(async () => h.t.stack.gateway.openSubscriptions() === 0, 5000, 'no slot held by refused subscribes');
    const subs = await burst(client, 50);
    expect(subs.filter((s) => s.events.length > 0)).toHaveLength(50);
  } finally {
    await client.dispose();
  }
});

test('a per-run subscription whose terminal event was never published still ends, with that event', async () => {
  const id = (await h.start({ agents: ['skills'] })).data!.startAssessment.id;
  const client = wsClient(h.t.stack.gateway.url, h.token);
  try {
    const sub = collect<Ev>(client, PROGRESS, { id });
    await waitFor(async () => sub.events.length > 0, 5000, 'the SNAPSHOT');
    // Cancelled as RunService does, but never published: as if Redis had been away at that moment.
    const repo = new AssessmentRepository(h.t.stack.subgraphs.assessment.db, new ObjectId(h.tenantId));
    await repo.transition(new ObjectId(id), () => ({
      set: { status: 'CANCELLED', completedAt: new Date() },
      events: [{ type: 'CANCELLED' }],
    }));
    await sub.done;
    expect(sub.errors).toEqual([]);
    expect(sub.events.map((e) => [e.assessmentProgress.type, e.assessmentProgress.assessment.status])).toEqual([
      ['SNAPSHOT', 'QUEUED'],
      ['CANCELLED', 'CANCELLED'],
    ]);
  } finally {
    await client.dispose();
  }
});
