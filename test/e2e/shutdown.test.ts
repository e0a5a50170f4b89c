import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { stackEnv } from '../support/stack';
import { spawnGateway } from '../support/service-process';
import { startHeldProxy } from '../support/held-proxy';
import { spawnWorker, startRunHarness, type RunHarness } from '../support/runs';
import { collect, wsClient } from '../support/ws-client';
import { waitFor } from '../support/wait';

/** SIGTERM: workers finish the step they run; gateways answer what is in flight and close subscriptions with a reconnect code. */
let h: RunHarness;
const children: ChildProcess[] = [];
beforeAll(async () => {
  h = await startRunHarness();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await h?.close();
});

const exited = (c: ChildProcess) =>
  new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));

test('SIGTERM drains a worker: the running step finishes and is recorded, then the process exits 0', async () => {
  h.llm.behaviour = { technical: 'slow' };
  h.llm.slowMs = 1500;
  const worker = spawnWorker(h, { SHUTDOWN_TIMEOUT_MS: '15000' });
  children.push(worker);
  try {
    const r = await h.start({ agents: ['llm-technical'] });
    const id = r.data!.startAssessment.id;
    await waitFor(async () => h.llm.received.some((c) => c.agent === 'technical'), 30_000, 'the agent to call the LLM');
    worker.kill('SIGTERM');
    expect(await exited(worker)).toBe(0);
    const a = await h.get(id);
    expect(a.steps.find((s) => s.name === 'llm-technical')).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    await h.startWorker();
    expect((await h.waitFor(id, ['COMPLETED', 'FAILED'])).status).toBe('COMPLETED');
  } finally {
    h.llm.behaviour = {};
  }
});

test('SIGTERM past SHUTDOWN_TIMEOUT_MS: the worker exits anyway, and the step it cut off is redone by another, not lost', async () => {
  h.llm.behaviour = { technical: 'slow' };
  h.llm.slowMs = 6000;
  // Only the worker under test may take the job.
  for (const w of h.workers.splice(0)) await w.close();
  const worker = spawnWorker(h, { SHUTDOWN_TIMEOUT_MS: '500' });
  children.push(worker);
  try {
    const calls = h.llm.received.length;
    const r = await h.start({ agents: ['llm-technical'] });
    const id = r.data!.startAssessment.id;
    await waitFor(
      async () => h.llm.received.slice(calls).some((c) => c.agent === 'technical'),
      30_000,
      'the agent to call the LLM',
    );
    const stopped = Date.now();
    worker.kill('SIGTERM');
    expect(await exited(worker)).toBe(1);
    expect(Date.now() - stopped).toBeLessThan(4000);
    h.llm.slowMs = 50;
    await h.startWorker();
    const done = await h.waitFor(id, ['COMPLETED', 'FAILED'], 60_000);
    expect(done.status).toBe('COMPLETED');
    expect(done.steps.find((st) => st.name === 'llm-technical')?.status).toBe('SUCCEEDED');
  } finally {
    h.llm.behaviour = {};
  }
}, 90_000);

test('SIGTERM on a gateway answers the request in flight, then refuses new connections and exits 0', async () => {
  const s = h.t.stack.subgraphs;
  const proxy = await startHeldProxy(s.candidate.url);
  try {
    const g = await spawnGateway({
      ...h.env,
      MONGODB_DB: h.t.config.MONGODB_DB,
      SUPERGRAPH_PATH: resolve(__dirname, '../../schema/supergraph.graphql'),
      TENANT_URL: s.tenant.url,
      CANDIDATE_URL: proxy.url,
      JOB_URL: s.job.url,
      ASSESSMENT_URL: s.assessment.url,
      SHUTDOWN_TIMEOUT_MS: '15000',
    });
    children.push(g.child);
    const inFlight = fetch(g.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
      body: JSON.stringify({ query: `{ candidate(id: "${h.candidateId}") { id name } }` }),
    });
    await waitFor(async () => proxy.held() > 0, 20_000, 'the query to reach the candidate subgraph');
    g.child.kill('SIGTERM');
    // The gateway has stopped listening while the query is still held upstream.
    await waitFor(
      async () =>
        fetch(new URL('/healthz', g.url)).then(
          () => false,
          () => true,
        ),
      10_000,
      'the gateway to stop accepting connections',
    );
    expect(g.child.exitCode).toBeNull();
    proxy.release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { candidate: { id: h.candidateId, name: 'Grace Hopper' } } });
    expect(await exited(g.child)).toBe(0);
  } finally {
    await proxy.close();
  }
});

test('SIGTERM on a gateway closes its subscriptions with 1001 (going away: reconnect) and exits 0', async () => {
  const g = await spawnGateway({ ...h.env, ...stackEnv(h.t) });
  children.push(g.child);
  let code = 0;
  const client = wsClient(g.url, h.token, (c) => {
    code = c;
  });
  const sub = collect(client, 'subscription { assessmentEvents { seq } }');
  // The gateway counts the subscription once it runs (its hiregraph_subscriptions_open gauge).
  await waitFor(
    async () => /^hiregraph_subscriptions_open({[^}]*})? 1$/m.test(await (await fetch(g.metricsUrl)).text()),
    10_000,
    'the subscription to be open on the gateway',
  );
  g.child.kill('SIGTERM');
  await sub.done;
  expect(code).toBe(1001);
  expect(await exited(g.child)).toBe(0);
  await client.dispose();
});
