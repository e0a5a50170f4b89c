import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { startWorker, type RunningWorker } from '../../subgraphs/assessment/engine/worker';
import { startRunHarness, type RunHarness } from '../support/runs';

/**
 * The worker's own credential (issue 21). It used to be a tenant `viewer` token signed with the
 * users' secret: leaked, it read every candidate, resume included, through the public gateway.
 * Here the token is taken off the wire between a real worker and the candidate subgraph.
 */
let h: RunHarness;
let worker: RunningWorker;
let tap: Server;
const seen: string[] = [];

beforeAll(async () => {
  h = await startRunHarness();
  const candidateUrl = h.t.stack.subgraphs.candidate.url;
  // A recording hop in front of the candidate subgraph: what the worker sends, as a thief would see it.
  tap = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.headers.authorization) seen.push(req.headers.authorization);
      fetch(candidateUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
        body: Buffer.concat(chunks),
      }).then(
        async (up) => res.writeHead(up.status, { 'content-type': 'application/json' }).end(await up.text()),
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((r) => tap.listen(0, '127.0.0.1', () => r()));
  worker = await startWorker({
    config: h.t.config,
    mongoUri: h.t.mongo.uri,
    port: 0,
    candidateUrl: `http://127.0.0.1:${(tap.address() as AddressInfo).port}/graphql`,
    jobUrl: h.t.stack.subgraphs.job.url,
  });
});
afterAll(async () => {
  await worker?.close();
  await new Promise((r) => tap?.close(r));
  await h?.close();
});

const codeOf = (r: { errors?: Array<{ extensions?: { code?: string } }> }) => r.errors?.[0]?.extensions?.code;
const bearer = (authorization: string) => authorization.replace(/^Bearer\s+/i, '');

/** The worker's token, from a run it completes (the positive case: its own reads still work). */
let leaked: Promise<string> | undefined;
const leakedToken = () => (leaked ??= completeRunAndTakeToken());
async function completeRunAndTakeToken(): Promise<string> {
  const started = await h.start({ agents: ['skills'] });
  expect(started.errors).toBeUndefined();
  const done = await h.waitFor(started.data!.startAssessment.id, ['COMPLETED', 'FAILED']);
  expect(done.status).toBe('COMPLETED');
  expect(done.steps.find((s) => s.name === 'validation')?.status).toBe('SUCCEEDED');
  expect(seen.length).toBeGreaterThan(0);
  return bearer(seen[seen.length - 1]!);
}

test('the worker completes runs with its service token; sent to the gateway, that token is refused', async () => {
  const token = await leakedToken();
  const r = await h.t.gql('{ candidates { edges { node { name email resumeText } } } }', {}, token);
  expect(r.status).toBe(401);
  expect(codeOf(r)).toBe('UNAUTHENTICATED');
  expect(r.data).toBeNull();
  const tenant = await h.t.gql('{ tenant { id name } }', {}, token);
  expect(codeOf(tenant)).toBe('UNAUTHENTICATED');
  // Nor over the gateway's graphql-ws: connection_init with it is closed 4403.
  for (const url of [h.t.stack.gateway.url, h.t.stack.subgraphs.assessment.url]) {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('open', () =>
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
    );
    expect([url, await closed]).toEqual([url, 4403]);
  }
});

test('sent straight to a subgraph, the service token reads only the entities the worker needs', async () => {
  const token = await leakedToken();
  const { candidate, job, tenant, assessment } = h.t.stack.subgraphs;
  const entities = (type: string, id: string, fields: string) => ({
    query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${type} { ${fields} } } }`,
    variables: { r: [{ __typename: type, id }] },
  });
  const post = async (url: string, body: { query: string; variables?: unknown }) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, ...((await res.json()) as { data?: unknown; errors?: never }) };
  };
  // What the worker does: the run's candidate from its owner, and the job from its owner.
  const own = await post(candidate.url, entities('Candidate', h.candidateId, 'id name resumeText'));
  expect(own.errors).toBeUndefined();
  expect(own.data).toEqual({
    _entities: [{ id: h.candidateId, name: 'Grace Hopper', resumeText: expect.stringContaining('compilers') }],
  });
  const ownJob = await post(job.url, entities('Job', h.jobId, 'id title'));
  expect(ownJob.data).toEqual({ _entities: [{ id: h.jobId, title: 'Senior Backend Engineer' }] });

  // Everything else: the list of candidates, a mutation, an entity type it does not need, a query mixing both.
  for (const body of [
    { query: '{ candidates { edges { node { name email resumeText } } } }' },
    { query: 'mutation { createCandidate(input: { name: "M", email: "m@example.com" }) { id } }' },
    { query: `{ candidate(id: "${h.candidateId}") { resumeText } }` },
    {
      query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Candidate { id } } candidates { edges { cursor } } }`,
      variables: { r: [{ __typename: 'Candidate', id: h.candidateId }] },
    },
    {
      query: `{ _entities(representations: [{ __typename: "TenantUsage", tenantId: "${h.tenantId}" }]) { __typename } }`,
    },
  ]) {
    const r = await post(candidate.url, body);
    expect([r.status, codeOf(r)]).toEqual([403, 'FORBIDDEN']);
    expect(r.data ?? null).toBeNull();
  }
  const jobs = await post(job.url, { query: '{ jobs { edges { node { title description } } } }' });
  expect(codeOf(jobs)).toBe('FORBIDDEN');
  const candidateOnJob = await post(job.url, entities('Candidate', h.candidateId, 'id'));
  expect(codeOf(candidateOnJob)).toBe('FORBIDDEN');
  // Only the fields the worker reads: not a job's applications, not a candidate's other fields.
  for (const [url, type, id, fields] of [
    [job.url, 'Job', h.jobId, 'id applications(first: 100) { edges { cursor } }'],
    [job.url, 'Job', h.jobId, 'id pipeline { count }'],
    [candidate.url, 'Candidate', h.candidateId, 'id createdAt'],
  ] as const) {
    const r = await post(url, entities(type, id, fields));
    expect([fields, r.status, codeOf(r)]).toEqual([fields, 403, 'FORBIDDEN']);
  }
  // Subgraphs the worker never reads do not take service tokens at all.
  expect(codeOf(await post(tenant.url, { query: '{ tenant { id name } }' }))).toBe('UNAUTHENTICATED');
  expect(codeOf(await post(assessment.url, { query: '{ assessments { edges { cursor } } }' }))).toBe('UNAUTHENTICATED');
});
