import { createRequire } from 'node:module';
import type * as ApolloCore from '@apollo/client/core' with { 'resolution-mode': 'import' };
import type * as ApolloWs from '@apollo/client/link/subscriptions' with { 'resolution-mode': 'import' };
import type { Counter } from 'prom-client';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { seedAnalyticsTenants, type AnalyticsTenants } from '../support/analytics-seed';
import { startHeldProxy, type HeldProxy } from '../support/held-proxy';
import { useTestStack } from '../support/stack';
import { waitFor } from '../support/wait';
import { wsClient } from '../support/ws-client';

// Apollo Client's packages say `"type": "module"`, so TypeScript (node16) refuses a static import
// of them from this CommonJS test; their `main` is CommonJS, which Jest's require loads.
const load = createRequire(__filename);
const { ApolloClient, HttpLink, InMemoryCache, gql } = load('@apollo/client/core') as typeof ApolloCore;
const { GraphQLWsLink } = load('@apollo/client/link/subscriptions') as typeof ApolloWs;
type ApolloLink = ApolloCore.ApolloLink;

/**
 * @defer end to end: Apollo Client 3 reads the README's dashboard with its pipeline and
 * assessment stats deferred, over HTTP (multipart/mixed, deferSpec=20220824) and over graphql-ws,
 * and gets the initial part before the deferred one: the assessment subgraph's stats fetch is held
 * until the client has seen the initial part. Then the format itself, read raw: labels and paths
 * in lists, errors in a deferred part, @defer(if: false), a client that takes no multipart.
 */
const t = useTestStack();
let seeded: AnalyticsTenants;
beforeAll(async () => {
  seeded = await seedAnalyticsTenants(t);
});

const DASHBOARD = `query Dashboard {
  tenant { name usage { candidates openJobs applications assessmentsLast30Days } }
  jobs(first: 30, filter: { status: OPEN }) {
    totalCount
    edges {
      node {
        id
        title
        ... @defer(label: "pipeline") { pipeline { stage count } }
        ... @defer(label: "stats") { assessmentStats { total averageScore byRecommendation { recommendation count } } }
        applications(first: 5) { totalCount edges { node { stage candidate { name } } } }
      }
    }
  }
}`;
const WHOLE = DASHBOARD.replace(/\.\.\. @defer\(label: "\w+"\) \{ (.*) \}\n/g, '$1\n');

type Job = { title: string; pipeline?: unknown; assessmentStats?: { total: number } };
type Dashboard = { jobs: { edges: Array<{ node: Job }> } };

/** A gateway whose fetches of assessment stats wait at a proxy until the test releases them. */
async function heldGateway(
  env: { DEDUPLICATE_REQUESTS?: boolean } = {},
): Promise<{ gateway: RunningGateway; proxy: HeldProxy; close(): Promise<void> }> {
  const s = t.stack.subgraphs;
  const proxy = await startHeldProxy(s.assessment.url, (body) => body.includes('assessmentStats'));
  const gateway = await startGateway({
    config: { ...t.config, ...env },
    port: 0,
    metricsPort: 0,
    subgraphUrls: { tenant: s.tenant.url, candidate: s.candidate.url, job: s.job.url, assessment: proxy.url },
  });
  return { gateway, proxy, close: async () => (await gateway.close(), await proxy.close()) };
}

/**
 * Watches the dashboard through `link`; records each result's state in order, with 'released' put
 * in by the test: the stats must come after it, the initial part before.
 */
async function readInOrder(link: ApolloLink, proxy: HeldProxy): Promise<string[]> {
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  const order: string[] = [];
  let last: Dashboard | undefined;
  const done = new Promise<void>((resolve, reject) => {
    const sub = client.watchQuery<Dashboard>({ query: gql(DASHBOARD), fetchPolicy: 'network-only' }).subscribe({
      next: ({ data }) => {
        if (!data?.jobs) return;
        last = data;
        const node = data.jobs.edges[0]!.node;
        const state = node.assessmentStats ? 'stats' : node.pipeline ? 'pipeline' : 'initial';
        if (order.at(-1) !== state) order.push(state);
        if (node.assessmentStats) {
          sub.unsubscribe();
          resolve();
        }
      },
      error: reject,
    });
  });
  await waitFor(async () => order.includes('initial'), 20_000, 'the initial part');
  // The stats fetch is at the proxy, held: nothing of it can have reached the client.
  await waitFor(async () => proxy.held() > 0, 20_000, 'the held stats fetch');
  order.push('released');
  proxy.release();
  await done;
  client.stop();
  const whole = await t.gql<Dashboard>(WHOLE, {}, seeded.a.admin);
  expect(whole.errors).toBeUndefined();
  expect(last).toMatchObject(whole.data!);
  return order;
}

/** The initial part first; the stats only after their fetch was released, and last (the pipeline may come anywhere between). */
function expectInOrder(order: string[]): void {
  expect(order[0]).toBe('initial');
  expect(order.at(-1)).toBe('stats');
  expect(order.indexOf('stats')).toBeGreaterThan(order.indexOf('released'));
}

test('Apollo Client over HTTP: the dashboard initial part first, then its pipeline and stats', async () => {
  const held = await heldGateway();
  try {
    const link = new HttpLink({ uri: held.gateway.url, fetch, headers: { authorization: `Bearer ${seeded.a.admin}` } });
    const order = await readInOrder(link, held.proxy);
    expectInOrder(order);
  } finally {
    await held.close();
  }
});

test('Apollo Client over graphql-ws: the same parts in the same order, each a `next`', async () => {
  const held = await heldGateway();
  const ws = wsClient(held.gateway.url, seeded.a.admin);
  try {
    const order = await readInOrder(new GraphQLWsLink(ws), held.proxy);
    expectInOrder(order);
  } finally {
    await ws.dispose();
    await held.close();
  }
});

type Part = {
  data?: Record<string, unknown>;
  errors?: Array<{ message: string; path?: unknown[]; extensions?: { code?: string } }>;
  hasNext?: boolean;
  incremental?: Array<{
    data?: Record<string, unknown> | null;
    path: unknown[];
    label?: string;
    errors?: Part['errors'];
  }>;
};

async function post(query: string, accept: string, variables: Record<string, unknown> = {}, url = t.stack.gateway.url) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${seeded.a.admin}` },
    body: JSON.stringify({ query, variables }),
  });
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  if (!type.startsWith('multipart/mixed')) return { status: res.status, type, parts: [JSON.parse(text) as Part] };
  // Boundary "-": each part is headers, a blank line, the JSON; the body ends with "-----".
  const parts = text
    .split('\r\n---')
    .map((chunk) => chunk.split('\r\n\r\n')[1])
    .filter((json): json is string => !!json && json.trim().startsWith('{'))
    .map((json) => JSON.parse(json) as Part);
  return { status: res.status, type, parts };
}

const MULTIPART = 'multipart/mixed;deferSpec=20220824,application/json';

test('a fragment deferred inside list items: one item per element, with its label and path', async () => {
  const r = await post(
    `{ jobs(first: 3) { edges { node { title ... @defer(label: "p") { pipeline { stage count } } } } } }`,
    MULTIPART,
  );
  expect(r.type).toBe('multipart/mixed; boundary="-"; deferSpec=20220824');
  const [initial, ...later] = r.parts;
  const edges = (initial!.data as Dashboard).jobs.edges;
  expect(edges).toHaveLength(3);
  expect(edges.every((e) => e.node.pipeline === undefined && typeof e.node.title === 'string')).toBe(true);
  expect(initial!.hasNext).toBe(true);
  expect(later.at(-1)!.hasNext).toBe(false);
  const items = later.flatMap((p) => p.incremental ?? []);
  expect(items.map((i) => [i.label, i.path])).toEqual([0, 1, 2].map((i) => ['p', ['jobs', 'edges', i, 'node']]));
  for (const item of items) expect(Object.keys(item.data!)).toEqual(['pipeline']);
});

test('nested and root-level defers: each part at its path, the inner after the outer', async () => {
  const r = await post(
    `{ tenant { name } ... @defer(label: "root") { jobs(first: 1) { totalCount } }
       job: jobs(first: 1) { edges { node { title ... @defer(label: "outer") { pipeline { stage }
         ... @defer(label: "inner") { assessmentStats { total } } } } } } }`,
    MULTIPART,
  );
  const [initial, ...later] = r.parts;
  expect(Object.keys(initial!.data!)).toEqual(['tenant', 'job']);
  const items = later.flatMap((p) => p.incremental ?? []);
  const byLabel = Object.fromEntries(items.map((i) => [i.label, i]));
  expect(byLabel.root).toMatchObject({ path: [], data: { jobs: { totalCount: 3 } } });
  expect(byLabel.outer).toMatchObject({ path: ['job', 'edges', 0, 'node'], data: { pipeline: expect.any(Array) } });
  expect(byLabel.inner).toMatchObject({
    path: ['job', 'edges', 0, 'node'],
    data: { assessmentStats: { total: expect.any(Number) } },
  });
  expect(items.findIndex((i) => i.label === 'inner')).toBeGreaterThan(items.findIndex((i) => i.label === 'outer'));
  expect(later.at(-1)!.hasNext).toBe(false);
});

test('an error inside a deferred part comes with that part, under its path; the initial part has none', async () => {
  // first: 0 is refused by the job subgraph (BAD_USER_INPUT), inside the deferred fragment only.
  const r = await post(
    `{ jobs(first: 2) { edges { node { title ... @defer(label: "bad") { applications(first: 0) { totalCount } } } } } }`,
    MULTIPART,
  );
  const [initial, ...later] = r.parts;
  expect(initial!.errors).toBeUndefined();
  const items = later.flatMap((p) => p.incremental ?? []);
  expect(items.length).toBeGreaterThan(0);
  const errors = items.flatMap((i) => (i.errors ?? []).map((e) => ({ item: i.path, error: e })));
  expect(errors.length).toBeGreaterThan(0);
  for (const { item, error } of errors) {
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.path?.slice(0, item.length)).toEqual(item);
  }
});

test('@defer(if: false), literal or variable, answers at once as plain JSON', async () => {
  const literal = await post(
    `{ jobs(first: 2) { edges { node { title ... @defer(if: false) { pipeline { stage } } } } } }`,
    MULTIPART,
  );
  const variable = await post(
    `query($d: Boolean!) { jobs(first: 2) { edges { node { title ... @defer(if: $d) { pipeline { stage } } } } } }`,
    MULTIPART,
    { d: false },
  );
  for (const r of [literal, variable]) {
    expect(r.type).toMatch(/^application\/json/);
    expect(r.parts).toHaveLength(1);
    expect((r.parts[0]!.data as Dashboard).jobs.edges[0]!.node.pipeline).toEqual(expect.any(Array));
    expect(r.parts[0]!.hasNext).toBeUndefined();
  }
});

test('a client that takes no multipart gets the whole answer at once, as JSON', async () => {
  for (const accept of ['application/json', 'application/graphql-response+json', 'multipart/mixed;deferSpec=1']) {
    const r = await post(DASHBOARD, accept.startsWith('multipart') ? `${accept},application/json` : accept);
    expect(r.status).toBe(200);
    expect(r.type).not.toMatch(/multipart/);
    expect(r.parts).toHaveLength(1);
    const whole = await t.gql<Dashboard>(WHOLE, {}, seeded.a.admin);
    expect(r.parts[0]).toEqual({ data: whole.data });
  }
});

/** Requests that shared another's execution so far, at one stage. */
async function shared(gateway: RunningGateway, stage: 'inbound' | 'subgraph'): Promise<number> {
  const metric = gateway.metrics.registry.getSingleMetric('hiregraph_requests_deduplicated_total') as Counter;
  return (await metric.get()).values.find((v) => v.labels.stage === stage)?.value ?? 0;
}

test('answer sharing (DEDUPLICATE_REQUESTS) never shares a deferred operation: each caller gets all its parts', async () => {
  const held = await heldGateway({ DEDUPLICATE_REQUESTS: true });
  try {
    const both = Promise.all([1, 2].map(() => post(DASHBOARD, MULTIPART, {}, held.gateway.url)));
    // Both executions reached the held stats fetch (the second joins the first's fetch, a subgraph-stage
    // share): so the second caller ran its own execution instead of waiting for the first's answer.
    await waitFor(async () => held.proxy.held() > 0 && (await shared(held.gateway, 'subgraph')) > 0, 20_000, 'both');
    held.proxy.release();
    for (const r of await both) {
      expect(r.type).toMatch(/^multipart\/mixed/);
      const items = r.parts.flatMap((p) => p.incremental ?? []);
      expect(items.filter((i) => i.label === 'stats')).toHaveLength(2);
      expect(r.parts.at(-1)!.hasNext).toBe(false);
    }
    expect(await shared(held.gateway, 'inbound')).toBe(0);
  } finally {
    await held.close();
  }
});

test('MAX_RESPONSE_BYTES bounds the whole answer: a later part that would pass it is refused and ends the answer', async () => {
  const s = t.stack.subgraphs;
  const gateway = await startGateway({
    config: { ...t.config, MAX_RESPONSE_BYTES: 1024 },
    port: 0,
    metricsPort: 0,
    subgraphUrls: { tenant: s.tenant.url, candidate: s.candidate.url, job: s.job.url, assessment: s.assessment.url },
  });
  try {
    const many = ['a', 'b', 'c', 'd', 'e'].map((alias) => `${alias}: pipeline { stage count }`).join(' ');
    const r = await post(
      `{ jobs(first: 3) { edges { node { title ... @defer(label: "big") { ${many} } } } } }`,
      MULTIPART,
      {},
      gateway.url,
    );
    const [initial, ...later] = r.parts;
    expect((initial!.data as Dashboard).jobs.edges).toHaveLength(3);
    const items = later.flatMap((p) => p.incremental ?? []);
    expect(items).toHaveLength(1);
    expect(items[0]!.data).toBeUndefined();
    expect(items[0]!.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', maxResponseBytes: 1024, responseBytes: expect.any(Number) },
    });
    expect(later.at(-1)!.hasNext).toBe(false);
  } finally {
    await gateway.close();
  }
});
