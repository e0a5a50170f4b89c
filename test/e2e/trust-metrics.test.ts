import { loadConfig, metricsPort } from '../../shared/config';
import { useRunHarness } from '../support/runs';
import { TEST_ENV } from '../support/secrets';

/**
 * /metrics names every tenant's operations: it used to be served on the gateway's public port to
 * anyone. Now every process serves it on a listener of its own (METRICS_PORT), and nowhere else.
 */
const h = useRunHarness();

test('no process serves /metrics on its public (or health) port', async () => {
  const token = await h.t.token('viewer', h.tenantId);
  const named = await h.t.gql('query TenantSecretPlanningReview { candidates { edges { cursor } } }', {}, token);
  expect(named.errors).toBeUndefined();
  const publicUrls = [
    h.t.stack.gateway.url,
    ...Object.values(h.t.stack.subgraphs).map((s) => s.url),
    h.workers[0]!.opsUrl!,
  ];
  for (const url of publicUrls) {
    const res = await fetch(new URL('/metrics', url));
    const text = await res.text();
    expect([url, res.status]).toEqual([url, 404]);
    expect(text).not.toContain('TenantSecretPlanningReview');
    // Health and readiness stay where load balancers look for them.
    expect((await fetch(new URL('/healthz', url))).status).toBe(200);
  }
});

test('each process serves /metrics on its own metrics port', async () => {
  const token = await h.t.token('viewer', h.tenantId);
  await h.t.gql('query ListForMetrics { candidates { edges { cursor } } }', {}, token);
  const gateway = await fetch(h.t.stack.gateway.metricsUrl);
  expect(gateway.status).toBe(200);
  expect(await gateway.text()).toMatch(
    /hiregraph_graphql_operation_duration_seconds_count\{service="gateway",operation="ListForMetrics",type="query",code="OK"\} 1/,
  );
  const urls = [...Object.values(h.t.stack.subgraphs).map((s) => s.metricsUrl), h.workers[0]!.metricsUrl];
  expect(new Set([h.t.stack.gateway.metricsUrl, ...urls]).size).toBe(6);
  for (const url of urls) {
    const text = await (await fetch(url)).text();
    expect(text).toContain('process_cpu_seconds_total');
  }
  expect(await (await fetch(h.workers[0]!.metricsUrl)).text()).toContain('hiregraph_runs_ended_total');
  // Only /metrics there.
  expect((await fetch(new URL('/graphql', h.t.stack.gateway.metricsUrl))).status).toBe(404);
});

test('METRICS_PORT is a base port: each process its own offset, so one host runs them all', () => {
  const c = loadConfig({ ...TEST_ENV, METRICS_PORT: '9500' });
  expect(
    (['gateway', 'tenant', 'candidate', 'job', 'assessment', 'worker'] as const).map((p) => metricsPort(c, p)),
  ).toEqual([9500, 9501, 9502, 9503, 9504, 9505]);
  expect(metricsPort(loadConfig({ ...TEST_ENV, METRICS_PORT: '0' }), 'job')).toBe(0);
});
