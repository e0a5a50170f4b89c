import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { startOtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { startRunHarness, type RunHarness } from '../support/runs';
import { spawnService, type ServiceProcess } from '../support/service-process';
import { waitFor } from '../support/wait';

/**
 * OTEL_EXPORTER_OTLP_ENDPOINT set on every process (each its own process, as deployed): one
 * startAssessment is one trace, from the gateway through the subgraphs it calls and the BullMQ
 * jobs it causes, down to MongoDB commands in the worker; worker logs carry the request and trace ids.
 */
let h: RunHarness;
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
const children: ChildProcess[] = [];
let gatewayUrl: string;
let worker: ServiceProcess;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  h = await startRunHarness();
  const env = {
    ...h.env,
    MONGODB_URI: h.t.mongo.uri,
    MONGODB_DB: h.t.config.MONGODB_DB,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    TENANT_PORT: '0',
    CANDIDATE_PORT: '0',
    JOB_PORT: '0',
    ASSESSMENT_PORT: '0',
    WORKER_PORT: '0',
    GATEWAY_PORT: '0',
  };
  const start = async (entry: string, extra: Record<string, string>, msg: string) => {
    const p = await spawnService(entry, { ...env, ...extra }, msg);
    children.push(p.child);
    return p;
  };
  const url = (p: ServiceProcess) => `http://127.0.0.1:${p.port}/graphql`;
  const tenant = await start('subgraphs/tenant/index.ts', {}, 'tenant subgraph listening');
  const candidate = await start(
    'subgraphs/candidate/index.ts',
    { TENANT_URL: url(tenant) },
    'candidate subgraph listening',
  );
  const job = await start('subgraphs/job/index.ts', { CANDIDATE_URL: url(candidate) }, 'job subgraph listening');
  const urls = { TENANT_URL: url(tenant), CANDIDATE_URL: url(candidate), JOB_URL: url(job) };
  const [assessment, w] = await Promise.all([
    start('subgraphs/assessment/index.ts', urls, 'assessment subgraph listening'),
    start('subgraphs/assessment/worker-index.ts', urls, 'assessment worker ready'),
  ]);
  worker = w;
  const gateway = await start('gateway/index.ts', { ...urls, ASSESSMENT_URL: url(assessment) }, 'gateway listening');
  gatewayUrl = url(gateway);
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await h?.close();
  await receiver?.close();
});

const SERVER = 2;
const CONSUMER = 5;
const isMongo = (s: ReceivedSpan) => s.attributes['db.system.name'] === 'mongodb';

test('one startAssessment is one trace across the gateway, the subgraphs, the queue, the worker and MongoDB', async () => {
  const requestId = randomUUID();
  const res = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}`, 'x-request-id': requestId },
    body: JSON.stringify({
      query:
        'mutation($i: StartAssessmentInput!) { startAssessment(input: $i) { id candidate { name } job { title } } }',
      variables: { i: { candidateId: h.candidateId, jobId: h.jobId } },
    }),
  });
  const body = (await res.json()) as {
    data: { startAssessment: { id: string; candidate: { name: string }; job: { title: string } } };
  };
  expect(body.data.startAssessment).toMatchObject({
    candidate: { name: 'Grace Hopper' },
    job: { title: 'Senior Backend Engineer' },
  });
  expect((await h.waitFor(body.data.startAssessment.id, ['COMPLETED', 'FAILED'])).status).toBe('COMPLETED');

  const root = await waitFor(
    async () =>
      receiver.spans.find(
        (s) =>
          s.service === 'hiregraph-gateway' &&
          s.kind === SERVER &&
          !s.parentSpanId &&
          String(s.attributes['url.path']) === '/graphql',
      ),
    30_000,
    'the gateway request span',
  );
  const inTrace = (): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === root.traceId);
  const processed = (job: string) =>
    inTrace().some(
      (s) => s.service === 'hiregraph-worker' && s.kind === CONSUMER && s.attributes['bullmq.job.name'] === job,
    );
  // Synthesis is the run's last job: once its span arrives, the trace is complete.
  await waitFor(async () => processed('synthesis'), 30_000, 'the synthesis job span');
  expect(processed('validation') && processed('agent')).toBe(true);
  const spans = inTrace();

  expect(new Set(spans.map((s) => s.service))).toEqual(
    new Set([
      'hiregraph-gateway',
      'hiregraph-tenant',
      'hiregraph-assessment',
      'hiregraph-candidate',
      'hiregraph-job',
      'hiregraph-worker',
    ]),
  );
  // Every span hangs off another span of the same trace: context crossed every hop, none started afresh.
  const ids = new Set(spans.map((s) => s.spanId));
  expect(spans.filter((s) => s !== root && !ids.has(s.parentSpanId!)).map((s) => `${s.service} ${s.name}`)).toEqual([]);
  // Each subgraph the query plan fetched from answers as a child of a gateway span (W3C traceparent over HTTP);
  // the tenant subgraph is asked for the tenant's limits by the gateway and by the assessment subgraph.
  const callersOf = (service: string) =>
    new Set(
      spans
        .filter((s) => s.service === service && s.kind === SERVER)
        .map((s) => spans.find((p) => p.spanId === s.parentSpanId)?.service),
    );
  expect(callersOf('hiregraph-assessment')).toEqual(new Set(['hiregraph-gateway']));
  expect(callersOf('hiregraph-job')).toContain('hiregraph-gateway');
  expect(callersOf('hiregraph-candidate')).toContain('hiregraph-gateway');
  expect(callersOf('hiregraph-tenant')).toEqual(new Set(['hiregraph-gateway', 'hiregraph-assessment']));
  // MongoDB commands are traced in the API and in the worker.
  expect(spans.some((s) => s.service === 'hiregraph-assessment' && isMongo(s) && s.name === 'insert assessments')).toBe(
    true,
  );
  // The worker's checkpoints are findAndModify commands (a compare-and-set that answers with the
  // document), which the MongoDB instrumentation names after their `$cmd` namespace.
  expect(spans.some((s) => s.service === 'hiregraph-worker' && isMongo(s) && s.name === 'findAndModify $cmd')).toBe(
    true,
  );
  // Traces start only where work arrives (a request, a job): no background polling trace anywhere.
  expect(
    receiver.spans
      .filter((s) => !s.parentSpanId && s.kind !== SERVER && s.kind !== CONSUMER)
      .map((s) => `${s.service} ${s.name}`),
  ).toEqual([]);

  // The worker's log lines for this run carry the caller's request id and the trace id.
  const logged = worker.lines
    .map((l) => JSON.parse(l) as { requestId?: string; traceId?: string })
    .filter((l) => l.requestId === requestId);
  expect(logged.length).toBeGreaterThan(0);
  expect(logged.every((l) => l.traceId === root.traceId)).toBe(true);
}, 90_000);
