import type { Counter } from 'prom-client';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { startHeldProxy, type HeldProxy } from '../support/held-proxy';
import { postRaw } from '../support/raw-post';
import { holdRefusedPort } from '../support/refused-port';
import { startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait';

/**
 * Deduplication at the gateway, through a real gateway whose job subgraph sits behind a proxy that
 * holds every fetch until the test releases it: identical queries are provably in flight together.
 */
let t: TestStack;
const cleanup: Array<() => Promise<void>> = [];
const tokens: Record<string, string> = {};

const JOBS = '{ jobs(first: 5) { edges { node { title } } } }';
const candidates: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestStack();
  cleanup.push(() => t.close());
  for (const name of ['A', 'B']) {
    const tenant = await t.newTenant(`dedup-${name.toLowerCase()}-${Date.now().toString(36)}`);
    tokens[name] = tenant.admin;
    // A second user of the same tenant, same role: a different token.
    tokens[`${name}2`] = await t.token('admin', tenant.id, 'second-user');
    const job = await t.gql<{ createJob: { id: string } }>(
      `mutation { createJob(input: { title: "Job of ${name}", description: "d" }) { id } }`,
      {},
      tenant.admin,
    );
    const candidate = await t.gql<{ createCandidate: { id: string } }>(
      `mutation { createCandidate(input: { name: "Candidate of ${name}", email: "c@${name.toLowerCase()}.com" }) { id } }`,
      {},
      tenant.admin,
    );
    candidates[name] = candidate.data!.createCandidate.id;
    await t.gql(
      `mutation { applyToJob(jobId: "${job.data!.createJob.id}", candidateId: "${candidate.data!.createCandidate.id}") { id } }`,
      {},
      tenant.admin,
    );
  }
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** A gateway of its own whose job subgraph (and, if given, candidate subgraph) is behind `urls`. */
async function gatewayWith(urls: { job: string; candidate?: string }): Promise<RunningGateway> {
  const s = t.stack.subgraphs;
  const gateway = await startGateway({
    config: t.config,
    port: 0,
    subgraphUrls: {
      tenant: s.tenant.url,
      candidate: urls.candidate ?? s.candidate.url,
      job: urls.job,
      assessment: s.assessment.url,
    },
  });
  cleanup.push(() => gateway.close());
  return gateway;
}

async function heldJobProxy(): Promise<HeldProxy> {
  const proxy = await startHeldProxy(t.stack.subgraphs.job.url);
  cleanup.push(() => proxy.close());
  return proxy;
}

/** Requests that shared another's execution so far, at one stage. */
async function shared(gateway: RunningGateway, stage: 'inbound' | 'subgraph'): Promise<number> {
  const metric = gateway.metrics.registry.getSingleMetric('hiregraph_requests_deduplicated_total') as Counter;
  return (await metric.get()).values.find((v) => v.labels.stage === stage)?.value ?? 0;
}

function post(url: string, query: string, token: string, signal?: AbortSignal) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
    signal,
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as { data?: unknown; errors?: unknown[] } }));
}

const titles = (body: { data?: unknown }) =>
  (body.data as { jobs: { edges: Array<{ node: { title: string } }> } }).jobs.edges.map((e) => e.node.title);

test('identical queries of one token run once; other tokens, of the same tenant or another, never share', async () => {
  const proxy = await heldJobProxy();
  const gateway = await gatewayWith({ job: proxy.url });
  const callers = ['A', 'A', 'A', 'A', 'B', 'B', 'B', 'A2', 'A2'];
  const answers = callers.map((who) => post(gateway.url, JOBS, tokens[who]!));
  // Three distinct tokens: three executions, the six other callers waiting on them.
  await waitFor(async () => (await shared(gateway, 'inbound')) === 6, 10_000, 'six callers to share');
  // Each execution reaches the job subgraph a moment after its caller was counted.
  await waitFor(async () => proxy.held() >= 3, 10_000, 'three fetches to be held');
  expect(proxy.held()).toBe(3);
  proxy.release();
  const done = await Promise.all(answers);
  expect(done.map((d) => d.status)).toEqual(callers.map(() => 200));
  expect(done.map((d) => titles(d.body))).toEqual(callers.map((who) => [`Job of ${who[0]}`]));
  expect(proxy.exchanges).toHaveLength(3);
});

test('a partial answer and its errors reach every caller that shared the execution', async () => {
  const proxy = await heldJobProxy();
  // The candidate subgraph is down: its port refuses connections.
  const down = await holdRefusedPort();
  cleanup.push(() => down.close());
  const gateway = await gatewayWith({ job: proxy.url, candidate: down.url('http', '/graphql') });
  // Two root fields from two subgraphs: the jobs come, the candidate cannot.
  const query = `{ jobs(first: 5) { edges { node { title } } } candidate(id: "${candidates.A}") { name } }`;
  const answers = [1, 2, 3].map(() => post(gateway.url, query, tokens.A!));
  await waitFor(async () => (await shared(gateway, 'inbound')) === 2, 10_000, 'two callers to share');
  proxy.release();
  const done = await Promise.all(answers);
  expect(done[1]).toEqual(done[0]);
  expect(done[2]).toEqual(done[0]);
  const first = done[0]!.body as {
    data: { candidate: unknown };
    errors: Array<{ message: string; extensions: { code: string } }>;
  };
  expect(titles(first)).toEqual(['Job of A']);
  expect(first.data.candidate).toBeNull();
  expect(first.errors.map((e) => [e.message, e.extensions.code])).toEqual([
    ['the candidate subgraph could not be reached (ECONNREFUSED)', 'INTERNAL_SERVER_ERROR'],
  ]);
});

test('a caller that goes away does not cancel the execution the others wait for, even the one that started it', async () => {
  const proxy = await heldJobProxy();
  const gateway = await gatewayWith({ job: proxy.url });
  const leaving = new AbortController();
  const first = post(gateway.url, JOBS, tokens.B!, leaving.signal);
  // The first caller's execution is at the job subgraph before anyone else asks.
  await waitFor(async () => proxy.held() === 1, 10_000, 'the first fetch to be held');
  const others = [1, 2].map(() => post(gateway.url, JOBS, tokens.B!));
  await waitFor(async () => (await shared(gateway, 'inbound')) === 2, 10_000, 'two callers to share');
  leaving.abort();
  await expect(first).rejects.toThrow();
  proxy.release();
  const done = await Promise.all(others);
  expect(done.map((d) => [d.status, titles(d.body)])).toEqual([
    [200, ['Job of B']],
    [200, ['Job of B']],
  ]);
  expect(proxy.exchanges).toHaveLength(1);
});

test('a gateway closes while a subgraph holds a fetch it never answers', async () => {
  const proxy = await heldJobProxy();
  const gateway = await gatewayWith({ job: proxy.url });
  const asking = post(gateway.url, JOBS, tokens.A!).then(
    (r) => `answered ${r.status}`,
    () => 'cut off',
  );
  await waitFor(async () => proxy.held() === 1, 10_000, 'the fetch to be held');
  // Apollo Server drains the request for its grace period, then the pool's fetch is cut.
  await gateway.close();
  expect(await asking).toBe('cut off');
  expect(proxy.held()).toBe(1);
});

test('mutations never share: each identical mutation runs', async () => {
  const gateway = await gatewayWith({ job: t.stack.subgraphs.job.url });
  const create = 'mutation { createJob(input: { title: "Same title", description: "d" }) { id } }';
  const done = await Promise.all([1, 2, 3].map(() => post(gateway.url, create, tokens.B2!)));
  const ids = done.map((d) => (d.body.data as { createJob: { id: string } }).createJob.id);
  expect(new Set(ids).size).toBe(3);
  expect(await shared(gateway, 'inbound')).toBe(0);
});

test('a large answer in many scripts that callers shared reaches each of them byte for byte, plain or compressed', async () => {
  const tenant = await t.newTenant(`dedup-text-${Date.now().toString(36)}`);
  // Over 4 KiB, so the route writes the shared answer's encoded bytes; two-, three- and four-byte UTF-8.
  const description = Array.from({ length: 300 }, (_, i) => `Zoë — 日本語の職務 🚀 Ünïcödé ${i}`).join('; ');
  await t.gql(
    'mutation($input: CreateJobInput!) { createJob(input: $input) { id } }',
    { input: { title: 'Polyglot', description } },
    tenant.admin,
  );
  const proxy = await heldJobProxy();
  const gateway = await gatewayWith({ job: proxy.url });
  const query = '{ jobs(first: 5) { edges { node { title description } } } }';
  const encodings = ['identity', 'identity', 'gzip', 'br', 'identity', 'gzip, br'];
  const answers = encodings.map((e) => postRaw(gateway.url, tenant.admin, query, e));
  await waitFor(async () => (await shared(gateway, 'inbound')) === 5, 10_000, 'five callers to share');
  proxy.release();
  // A later caller, after the shared execution ended: the same bytes again.
  const done = [...(await Promise.all(answers)), await postRaw(gateway.url, tenant.admin, query, 'identity')];
  expect(done.map((d) => [d.status, d.encoding])).toEqual([
    [200, ''],
    [200, ''],
    [200, 'gzip'],
    [200, 'br'],
    [200, ''],
    [200, 'br'],
    [200, ''],
  ]);
  for (const d of done) {
    expect(JSON.parse(d.text)).toEqual({ data: { jobs: { edges: [{ node: { title: 'Polyglot', description } }] } } });
  }
  expect(done[0]!.wire.length).toBe(Buffer.byteLength(done[0]!.text));
  expect(proxy.exchanges).toHaveLength(2);
});
