import type { ChildProcess } from 'node:child_process';
import { stackEnv } from '../support/stack';
import { spawnGateway } from '../support/service-process';
import { EVENTS_SEQ, runProgress, streamEnd, tenantEvents } from '../support/queries';
import { useRunHarness } from '../support/runs';
import { collect, wsClient } from '../support/ws-client';
import { waitFor } from '../support/wait';

/** Two gateways and two workers; a gateway killed mid-run; limits. */
const children: ChildProcess[] = [];
// Above the harness, so spawned gateways are gone before it closes.
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
const h = useRunHarness({ SUBSCRIPTIONS_PER_CONNECTION: '2' }, {}, { workers: 2 });

const PROGRESS = runProgress('seq type assessment { status candidate { name } }');
type Ev = { assessmentProgress: { seq: number; type: string; assessment: { candidate: { name: string } } } };

async function otherGateway(): Promise<{ url: string; child: ChildProcess }> {
  const g = await spawnGateway({ ...h.env, ...stackEnv(h.t) });
  children.push(g.child);
  return g;
}

test('kill -9 a gateway mid-run, resume on the other with the last seq: every remaining event exactly once', async () => {
  h.llm.latencyMs = 400;
  const a = await otherGateway();
  const clientA = wsClient(a.url, h.token);
  const r = await h.start({ agents: ['llm-technical', 'llm-communication', 'llm-risk', 'skills'] });
  const id = r.data!.startAssessment.id;
  const seen: number[] = [];
  const subA = collect<Ev>(clientA, PROGRESS, { id }, (e) => seen.push(e.assessmentProgress.seq));
  await waitFor(async () => seen.length >= 3, 20_000, 'three events through gateway A');
  a.child.kill('SIGKILL');
  await subA.done;
  await clientA.dispose();
  const last = seen[seen.length - 1]!;
  const clientB = wsClient(h.t.stack.gateway.url, h.token);
  try {
    const subB = collect<Ev>(clientB, PROGRESS, { id, after: last });
    await subB.done;
    const resumed = subB.events.map((e) => e.assessmentProgress.seq);
    const full = await h.full(id);
    expect(full.status).toBe('COMPLETED');
    expect([...seen.slice(1), ...resumed]).toEqual(full.events.filter((e) => e.seq > seen[0]!).map((e) => e.seq));
    expect(seen[0]).toBe(seen[1]! - 1);
    expect(subB.events.every((e) => e.assessmentProgress.assessment.candidate.name === 'Grace Hopper')).toBe(true);
  } finally {
    await clientB.dispose();
    h.llm.latencyMs = 0;
  }
});

test('events published by any worker reach subscribers on every gateway', async () => {
  const b = await otherGateway();
  const clients = [wsClient(h.t.stack.gateway.url, h.token), wsClient(b.url, h.token)];
  try {
    // Subscribing from the stream's current end needs no wait for the subscriptions to be live.
    const after = await streamEnd(h.t, h.token);
    const subs = clients.map((c) =>
      collect<{ assessmentEvents: { seq: number; type: string; assessment: { id: string } } }>(
        c,
        tenantEvents('seq type assessment { id }'),
        { after },
      ),
    );
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await h.start({ agents: ['skills', 'profile'] })).data!.startAssessment.id);
    const completed = (s: (typeof subs)[number]) =>
      new Set(
        s.events.filter((e) => e.assessmentEvents.type === 'COMPLETED').map((e) => e.assessmentEvents.assessment.id),
      );
    await waitFor(
      async () => subs.every((s) => ids.every((id) => completed(s).has(id))),
      30_000,
      'every COMPLETED on both gateways',
    );
    for (const s of subs) {
      for (const id of ids) {
        const seqs = s.events.filter((e) => e.assessmentEvents.assessment.id === id).map((e) => e.assessmentEvents.seq);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
        expect(new Set(seqs).size).toBe(seqs.length);
      }
      s.stop();
    }
  } finally {
    for (const c of clients) await c.dispose();
  }
});

test('subscriptions per connection are limited (RATE_LIMITED past the limit)', async () => {
  const client = wsClient(h.t.stack.gateway.url, h.token);
  try {
    const s1 = collect(client, EVENTS_SEQ);
    const s2 = collect(client, EVENTS_SEQ);
    await waitFor(async () => h.t.stack.gateway.openSubscriptions() >= 2, 5000, 'two subscriptions');
    const s3 = collect(client, EVENTS_SEQ);
    await s3.done;
    expect((s3.errors[0] as { extensions?: { code?: string } }).extensions?.code).toBe('RATE_LIMITED');
    s1.stop();
    s2.stop();
  } finally {
    await client.dispose();
  }
});
