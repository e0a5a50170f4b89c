import type { Counter } from 'prom-client';
import { startGateway, type RunningGateway } from '../../gateway/server';
import type { Config } from '../../shared/config';
import { startHeldProxy, type HeldProxy } from '../support/held-proxy';
import { startRunHarness, type RunHarness } from '../support/runs';
import { collect, wsClient } from '../support/ws-client';
import { waitFor } from '../support/wait';

/**
 * SUBGRAPH_TIMEOUT_MS through a real gateway whose subgraph sits behind a proxy that holds every
 * fetch: a subgraph that never answers costs the caller the timeout, not undici's 300 s.
 */
let h: RunHarness;
const cleanup: Array<() => Promise<void>> = [];
const JOBS = '{ jobs(first: 5) { edges { node { title } } } }';
const ANSWERED = { data: { jobs: { edges: [{ node: { title: 'Senior Backend Engineer' } }] } } };
const TIMED_OUT = 'the job subgraph did not answer within 500 ms (SUBGRAPH_TIMEOUT_MS)';

// The harness's tenant, candidate and job; no worker: the subscription test's run stays QUEUED.
beforeAll(async () => {
  h = await startRunHarness();
  cleanup.push(() => h.close());
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function held(name: 'job' | 'tenant'): Promise<HeldProxy> {
  const proxy = await startHeldProxy(h.t.stack.subgraphs[name].url);
  cleanup.push(() => proxy.close());
  return proxy;
}

/** A gateway of its own with SUBGRAPH_TIMEOUT_MS=500, whose subgraphs are at `urls` where given. */
async function gatewayWith(urls: { job?: string; tenant?: string }, config: Partial<Config> = {}) {
  const s = h.t.stack.subgraphs;
  const gateway = await startGateway({
    config: { ...h.t.config, SUBGRAPH_TIMEOUT_MS: 500, ...config },
    port: 0,
    subgraphUrls: {
      tenant: urls.tenant ?? s.tenant.url,
      candidate: s.candidate.url,
      job: urls.job ?? s.job.url,
      assessment: s.assessment.url,
    },
  });
  cleanup.push(() => gateway.close());
  return gateway;
}

async function counted(gateway: RunningGateway, metric: string, label: string, value: string): Promise<number> {
  const counter = gateway.metrics.registry.getSingleMetric(metric) as Counter;
  return (await counter.get()).values.find((v) => v.labels[label] === value)?.value ?? 0;
}

function post(url: string, query: string) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
    body: JSON.stringify({ query }),
  }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { data?: unknown; errors?: Array<{ message: string; extensions: { code: string } }> },
  }));
}

const errorsOf = (body: { errors?: Array<{ message: string; extensions: { code: string } }> }) =>
  (body.errors ?? []).map((e) => [e.message, e.extensions.code]);

test('a subgraph that never answers: the client gets an error naming the subgraph and the timeout, counted', async () => {
  const proxy = await held('job');
  const gateway = await gatewayWith({ job: proxy.url });
  const res = await post(gateway.url, JOBS);
  expect(proxy.held()).toBe(1);
  expect(res.status).toBe(200);
  expect(res.body.data).toBeNull();
  expect(errorsOf(res.body)).toEqual([[TIMED_OUT, 'INTERNAL_SERVER_ERROR']]);
  expect(await counted(gateway, 'hiregraph_subgraph_fetch_timeouts_total', 'subgraph', 'job')).toBe(1);
  const exposed = await (await fetch(gateway.metricsUrl)).text();
  expect(exposed).toMatch(/^hiregraph_subgraph_fetch_timeouts_total\{subgraph="job"[^}]*\} 1$/m);
});

test('in production the timeout keeps its code and says only "internal server error"', async () => {
  const proxy = await held('job');
  const gateway = await gatewayWith({ job: proxy.url }, { production: true });
  const res = await post(gateway.url, JOBS);
  expect(errorsOf(res.body)).toEqual([['internal server error', 'INTERNAL_SERVER_ERROR']]);
  expect(await counted(gateway, 'hiregraph_subgraph_fetch_timeouts_total', 'subgraph', 'job')).toBe(1);
});

test('identical queries sharing a fetch that times out all get the error; the next one is fetched afresh and answered', async () => {
  const proxy = await held('job');
  const gateway = await gatewayWith({ job: proxy.url });
  const answers = [1, 2, 3].map(() => post(gateway.url, JOBS));
  const done = await Promise.all(answers);
  expect(done.map((d) => errorsOf(d.body))).toEqual(done.map(() => [[TIMED_OUT, 'INTERNAL_SERVER_ERROR']]));
  // Each fetch that reached the subgraph timed out once, however many callers shared it.
  expect(await counted(gateway, 'hiregraph_subgraph_fetch_timeouts_total', 'subgraph', 'job')).toBe(proxy.held());
  proxy.release();
  const next = await post(gateway.url, JOBS);
  expect(next.body).toEqual(ANSWERED);
});

test("a tenant subgraph that never answers the limits read: counted, the FREE plan's limits apply, the query is answered", async () => {
  const proxy = await held('tenant');
  const gateway = await gatewayWith({ tenant: proxy.url });
  const res = await post(gateway.url, JOBS);
  expect(res.body).toEqual(ANSWERED);
  await waitFor(
    async () => (await counted(gateway, 'hiregraph_subgraph_fetch_timeouts_total', 'subgraph', 'tenant')) >= 1,
    10_000,
    'the limits read to be counted as timed out',
  );
  expect(await counted(gateway, 'hiregraph_subgraph_fetch_timeouts_total', 'subgraph', 'tenant')).toBe(1);
  expect(await counted(gateway, 'hiregraph_tenant_limits_fallback_total', 'fallback', 'free_plan')).toBe(1);
});

test('a subscription event whose entity fetch times out: the subscriber gets the error, counted', async () => {
  const proxy = await held('job');
  const gateway = await gatewayWith({ job: proxy.url });
  const id = (await h.start()).data!.startAssessment.id;
  const client = wsClient(gateway.url, h.token);
  cleanup.push(() => client.dispose() as Promise<void>);
  // The SNAPSHOT comes from the assessment subgraph at once; its job's title is the job subgraph's.
  const sub = collect(
    client,
    'subscription($id: ID!) { assessmentProgress(id: $id) { type assessment { job { title } } } }',
    { id },
  );
  await waitFor(async () => sub.errors.length > 0, 10_000, 'the first event to carry an error');
  sub.stop();
  expect(
    (sub.errors as Array<{ message: string; extensions?: { code?: string } }>).map((e) => [
      e.message,
      e.extensions?.code,
    ]),
  ).toEqual([[TIMED_OUT, 'INTERNAL_SERVER_ERROR']]);
  expect(proxy.held()).toBe(1);
  expect(await counted(gateway, 'hiregraph_subgraph_fetch_timeouts_total', 'subgraph', 'job')).toBe(1);
});

test('readiness: a subgraph that never answers its /healthz makes the gateway unready, naming it', async () => {
  const proxy = await held('job');
  const gateway = await gatewayWith({ job: proxy.url });
  const res = await fetch(new URL('/readyz', gateway.url));
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual({ status: 'unavailable', reason: `subgraphs not answering: ${proxy.url}` });
  expect(proxy.held()).toBe(1);
});
