import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { useRunHarness } from '../support/runs';

/**
 * The alert rules and the Grafana dashboard that ship in ops/: Prometheus's own checker accepts
 * them, and every metric they name is one that running Hiregraph processes expose.
 */
const OPS = resolve(__dirname, '../../ops');
const RULES = resolve(OPS, 'prometheus/alerts.yml');
const CONFIG = resolve(OPS, 'prometheus/prometheus.yml');
const DASHBOARD = resolve(OPS, 'grafana/dashboards/hiregraph.json');

function promtool(): string | null {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return 'promtool';
  } catch {
    // CI installs Debian's prometheus package (.ci/run): there a missing promtool is a failure.
    if (process.env.CI === 'true') throw new Error('promtool is not installed (Debian package: prometheus)');
    return null;
  }
}
const tool = promtool();
const withPromtool = tool ? test : test.skip;

withPromtool('promtool accepts the alert rules and the Prometheus configuration', () => {
  expect(execFileSync(tool!, ['check', 'rules', RULES], { encoding: 'utf8' })).toMatch(/SUCCESS: 8 rules found/);
  expect(execFileSync(tool!, ['check', 'config', CONFIG], { encoding: 'utf8' })).toMatch(/SUCCESS/);
});

describe('metrics named by the rules and the dashboard', () => {
  const h = useRunHarness({ LLM_CACHE_TTL_SECONDS: '3600' });

  /** Metric names in PromQL expressions: Hiregraph's own and the Node process metrics. */
  const namesIn = (exprs: string[]) =>
    new Set(exprs.flatMap((e) => [...e.matchAll(/\b((?:hiregraph|process)_[a-z_]+)\b/g)].map((m) => m[1]!)));

  test('every one is exposed by a running gateway, subgraph or worker', async () => {
    const rules = readFileSync(RULES, 'utf8');
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: Array<{ targets: Array<{ expr: string }> }>;
    };
    const used = namesIn([rules, ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr))]);
    expect(used.size).toBeGreaterThan(12);
    const urls = [
      h.t.stack.gateway.metricsUrl,
      ...Object.values(h.t.stack.subgraphs).map((s) => s.metricsUrl),
      h.workers[0]!.metricsUrl,
    ];
    const exposed = (await Promise.all(urls.map(async (u) => (await fetch(u)).text()))).join('\n');
    // A histogram's series are <name>_bucket, _count and _sum; every metric has its # TYPE line from the start.
    const declared = new Set([...exposed.matchAll(/^# TYPE (\S+) (\w+)$/gm)].map((m) => m[1]!));
    const missing = [...used].filter((n) => !declared.has(n.replace(/_(bucket|count|sum)$/, '')) && !declared.has(n));
    expect(missing).toEqual([]);
  });
});
