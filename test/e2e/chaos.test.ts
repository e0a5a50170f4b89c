import { formatReport, runChaos } from '../chaos/chaos';

/**
 * The short variant of `npm run chaos`: every process on its own and Redis under Sentinel, a mixed
 * load from three tenants for a minute while each kind of fault is injected once (kill -9 of a
 * worker, a gateway and a subgraph, a Redis failover and restart, an embedded MongoDB restart);
 * then every invariant must hold.
 */
test('faults under load: every invariant holds', async () => {
  const report = await runChaos({ minutes: 1, faultEveryMs: 8000, minFaults: 6 });
  const text = formatReport(report);
  // Each kind of fault really happened, and the load really ran.
  expect(new Set(report.faults.map((f) => f.kind)).size).toBe(6);
  expect(report.counts.runs).toBeGreaterThan(20);
  expect(report.checks.flatMap((c) => c.problems.map((p) => `${c.name}: ${p}`))).toEqual([]);
  expect(text).toMatch(/6 passed, 0 failed$/);
}, 600_000);
