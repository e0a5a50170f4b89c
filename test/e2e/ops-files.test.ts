import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { SUBGRAPH_NODE_FLAGS } from '../../scripts/node-flags';
import { loadConfig } from '../../shared/config';
import { useRunHarness } from '../support/runs';

/**
 * The alert rules and the Grafana dashboard that ship in ops/: Prometheus's own checker accepts
 * them, the rules are the ones the README lists, and every metric they name is one that running
 * Hiregraph processes expose. The compose files and the Dockerfile: pinned images, stop grace
 * periods above SHUTDOWN_TIMEOUT_MS, one healthcheck for every process, source maps on.
 */
const OPS = resolve(__dirname, '../../ops');
const RULES = resolve(OPS, 'prometheus/alerts.yml');
const CONFIG = resolve(OPS, 'prometheus/prometheus.yml');
const DASHBOARD = resolve(OPS, 'grafana/dashboards/hiregraph.json');
const ROOT = resolve(__dirname, '../..');
const COMPOSE = resolve(ROOT, 'docker-compose.yml');
const SENTINEL = resolve(ROOT, 'docker-compose.sentinel.yml');
const DOCKERFILE = resolve(ROOT, 'Dockerfile');

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
  expect(execFileSync(tool!, ['check', 'rules', RULES], { encoding: 'utf8' })).toMatch(/SUCCESS: \d+ rules found/);
  expect(execFileSync(tool!, ['check', 'config', CONFIG], { encoding: 'utf8' })).toMatch(/SUCCESS/);
});

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: { summary: string };
}

test("the alert rules are the README's, each with an expression, a duration, a severity and a summary", () => {
  const { groups } = parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Rule[] }> };
  const rules = groups.flatMap((g) => g.rules);
  // The README's list, in its order: server errors, p99 latency, the MongoDB pool, steps waiting
  // (many, or one for long), runs FAILED, slow-consumer drops, subgraph timeouts, a process down.
  expect(rules.map((r) => r.alert)).toEqual([
    'HiregraphHighErrorRate',
    'HiregraphSlowOperations',
    'HiregraphMongoPoolExhausted',
    'HiregraphQueueBacklog',
    'HiregraphQueueStuck',
    'HiregraphRunsFailing',
    'HiregraphSubscriptionsDropped',
    'HiregraphSubgraphTimeouts',
    'HiregraphProcessDown',
  ]);
  for (const rule of rules) {
    expect([rule.alert, typeof rule.expr, rule.expr.trim().length > 0]).toEqual([rule.alert, 'string', true]);
    expect([rule.alert, rule.for]).toEqual([rule.alert, expect.stringMatching(/^\d+[smh]$/)]);
    expect([rule.alert, rule.labels.severity]).toEqual([rule.alert, expect.stringMatching(/^(page|warn)$/)]);
    expect([rule.alert, rule.annotations.summary]).toEqual([rule.alert, expect.stringMatching(/\S/)]);
  }
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

interface Service {
  image?: string;
  build?: unknown;
  stop_grace_period?: string;
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  command?: string[];
}

/** Each file's services, anchors and `<<` merges resolved; the sentinel file overrides the main one's. */
function services(): Record<string, Service> {
  const read = (file: string) =>
    (parse(readFileSync(file, 'utf8'), { merge: true }) as { services: Record<string, Service> }).services;
  const main = read(COMPOSE);
  const out: Record<string, Service> = { ...main };
  for (const [name, s] of Object.entries(read(SENTINEL))) out[name] = { ...main[name], ...s };
  return out;
}

/** A Compose duration (Go's format: 1m30s, 30s, 500ms) in milliseconds. */
function durationMs(text: string): number {
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g)];
  expect(parts.map((p) => p[0]).join('')).toBe(text);
  return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2]!]!, 0);
}

describe('docker-compose.yml, docker-compose.sentinel.yml and the Dockerfile', () => {
  const defaults = loadConfig({ NODE_ENV: 'development' });

  test('every service gets longer than SHUTDOWN_TIMEOUT_MS to stop before Docker kills it', () => {
    const short = Object.entries(services()).flatMap(([name, s]) => {
      const shutdownMs = Number(s.environment?.SHUTDOWN_TIMEOUT_MS ?? defaults.SHUTDOWN_TIMEOUT_MS);
      const graceMs = s.stop_grace_period === undefined ? 10_000 : durationMs(s.stop_grace_period);
      return graceMs > shutdownMs ? [] : [`${name}: ${s.stop_grace_period ?? '10s (default)'} <= ${shutdownMs} ms`];
    });
    expect(short).toEqual([]);
  });

  test("every image is pinned to an exact version, the Dockerfile's base images too", () => {
    const froms = [...readFileSync(DOCKERFILE, 'utf8').matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!);
    const images = [...Object.values(services()).flatMap((s) => (s.image ? [s.image] : [])), ...froms];
    expect(images.length).toBeGreaterThan(5);
    const exact = /(@sha256:[0-9a-f]{64}|:v?\d+\.\d+\.\d+(-[\w.-]+)?)$/;
    expect(images.filter((i) => !exact.test(i))).toEqual([]);
  });

  test('one healthcheck, written once, asks /readyz of every Hiregraph process on its port', () => {
    expect(readFileSync(COMPOSE, 'utf8').match(/\/readyz/g)).toHaveLength(1);
    const processes = Object.entries(services()).filter(([, s]) => s.build !== undefined);
    expect(processes.map(([name]) => name).sort()).toEqual(
      ['assessment', 'candidate', 'gateway', 'job', 'tenant', 'worker'].sort(),
    );
    const check = processes[0]![1].healthcheck;
    const ports = [
      defaults.GATEWAY_PORT,
      defaults.TENANT_PORT,
      defaults.CANDIDATE_PORT,
      defaults.JOB_PORT,
      defaults.ASSESSMENT_PORT,
      defaults.WORKER_PORT,
    ];
    expect(ports.filter((p) => !check?.test.join(' ').includes(String(p)))).toEqual([]);
    for (const [name, s] of processes) expect([name, s.healthcheck]).toEqual([name, check]);
  });

  test('the subgraph processes run with the measured Node flags, in Compose and under npm start', () => {
    // The stack benchmark's subgraphs process takes the same list (bench/stack/processes.ts).
    const flags = [...SUBGRAPH_NODE_FLAGS];
    expect(flags.length).toBeGreaterThan(0);
    const subgraphs = Object.entries(services()).filter(([, s]) =>
      s.command?.some((a) => /^dist\/subgraphs\/\w+\/index\.js$/.test(a)),
    );
    expect(subgraphs.map(([name]) => name).sort()).toEqual(['assessment', 'candidate', 'job', 'tenant']);
    for (const [name, s] of subgraphs) expect([name, s.command!.slice(1, 1 + flags.length)]).toEqual([name, flags]);
    const { scripts } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts.start).toBe(`node ${flags.join(' ')} --import tsx scripts/start.ts`);
  });

  test('the image runs with source maps on, and the build emits them', () => {
    const stages = readFileSync(DOCKERFILE, 'utf8').split(/^FROM /m);
    const final = stages[stages.length - 1]!;
    expect(final).toMatch(/^ENV .*\bNODE_OPTIONS=--enable-source-maps\b/m);
    // No service replaces NODE_OPTIONS without the flag.
    for (const s of Object.values(services()))
      expect(s.environment?.NODE_OPTIONS ?? '--enable-source-maps').toContain('--enable-source-maps');
    expect(readFileSync(resolve(ROOT, 'tsconfig.build.json'), 'utf8')).toMatch(/"sourceMap": true/);
  });
});
