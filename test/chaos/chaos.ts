import { MongoClient, ObjectId } from 'mongodb';
import { startChaosCluster, type ChaosCluster, type Managed } from './cluster';
import { checkInvariants, type Check, type Fault } from './invariants';
import { setUpTenants, startLoad, type Load } from './load';
import { waitFor } from '../support/wait';

export interface ChaosOptions {
  /** How long the load runs while faults are injected. */
  minutes: number;
  /** Pause between two faults. Default: 15 s. */
  faultEveryMs?: number;
  /** Faults injected at least, even past `minutes` (6: each kind once). Default: 0. */
  minFaults?: number;
  tenants?: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  faults: Fault[];
  checks: Check[];
  counts: Record<string, number>;
}

/** How long a killed process stays down before it is started again. */
const DOWNTIME_MS = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The faults, in turn: each kills something and brings it (or its replacement) back. */
function faultPlan(cluster: ChaosCluster): Array<{ kind: string; run: () => Promise<string> }> {
  const ofKind = (kind: Managed['kind']) => cluster.processes.filter((p) => p.kind === kind);
  const bounce = async (p: Managed) => {
    await p.kill();
    // The fault itself: down for a while, as a crashed process is until its supervisor restarts it.
    await sleep(DOWNTIME_MS);
    await p.start();
    return p.name;
  };
  const any = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  return [
    { kind: 'kill -9 a worker mid-step', run: () => bounce(any(ofKind('worker'))) },
    { kind: 'kill -9 a gateway with subscribers', run: () => bounce(any(ofKind('gateway'))) },
    { kind: 'Redis primary failover', run: async () => `${JSON.stringify(await cluster.redis.failover())}` },
    { kind: 'kill -9 a subgraph', run: () => bounce(any(ofKind('subgraph'))) },
    {
      kind: 'Redis restart (the old primary rejoins)',
      run: async () => `ports ${(await cluster.redis.restart()).join(',') || 'none down'}`,
    },
    { kind: 'embedded MongoDB restart (kill -9)', run: () => bounce(ofKind('mongo')[0]!) },
  ];
}

/** Waits until every started run has ended in MongoDB and its subscribers have seen its last event. */
async function settle(cluster: ChaosCluster, load: Load, timeoutMs: number): Promise<void> {
  const client = await MongoClient.connect(cluster.mongoUri);
  try {
    const pending = async () => {
      let n = 0;
      for (const t of load.tenants) {
        const docs = await client
          .db(cluster.db)
          .collection('assessments')
          .find({ tenantId: new ObjectId(t.id) }, { projection: { status: 1, eventSeq: 1 } })
          .toArray();
        const byId = new Map(docs.map((d) => [d._id.toHexString(), d]));
        for (const id of t.runs) {
          const d = byId.get(id);
          const ended = d && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(d.status as string);
          const seen = t.tenantSeen.get(id) ?? [];
          const own = t.runSeen.get(id);
          if (!ended || seen[seen.length - 1] !== d.eventSeq || (own && !own.done)) n++;
        }
      }
      return n;
    };
    // Past the deadline the invariants report what never settled.
    await waitFor(async () => (await pending()) === 0, timeoutMs, 'every run to settle').catch(() => undefined);
  } finally {
    await client.close();
  }
}

/** Starts the cluster, runs the load while faults are injected, settles, and checks every invariant. */
export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const log = opts.log ?? (() => undefined);
  const cluster = await startChaosCluster();
  try {
    log(
      `cluster up: ${cluster.processes.map((p) => p.name).join(', ')}, Redis under Sentinel (${cluster.redis.sentinels})`,
    );
    cluster.llm.latencyMs = 200;
    const tenants = await setUpTenants(cluster.gateways[0]!, opts.tenants ?? 3);
    const load = startLoad(cluster.gateways, tenants);
    const faults: Fault[] = [];
    const plan = faultPlan(cluster);
    const end = Date.now() + opts.minutes * 60_000;
    const every = opts.faultEveryMs ?? 15_000;
    await sleep(Math.min(every, 5000));
    for (let i = 0; Date.now() < end || i < (opts.minFaults ?? 0); i++) {
      const f = plan[i % plan.length]!;
      const at = Date.now();
      const target = await f.run();
      faults.push({ kind: f.kind, target, at, recoveredAt: Date.now() });
      log(`${new Date(at).toISOString()} ${f.kind}: ${target} (back in ${Date.now() - at} ms)`);
      // A full pause before a fault still owed, else only what is left of the load's time.
      const owed = i + 1 < (opts.minFaults ?? 0);
      await sleep(owed ? every : Math.max(0, Math.min(every, end - Date.now())));
    }
    await load.drain();
    log('load stopped; waiting for every run to end and every subscriber to catch up');
    await settle(cluster, load, 180_000);
    await load.stop();
    const checks = await checkInvariants(cluster.mongoUri, cluster.db, load, faults);
    return { faults, checks, counts: load.counts };
  } finally {
    await cluster.close();
  }
}

/** The report as Markdown tables, ending with `N passed, N failed` over the invariants. */
export function formatReport(r: ChaosReport): string {
  const byKind = new Map<string, number>();
  for (const f of r.faults) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  const lines = ['| fault injected | times |', '| --- | --- |', ...[...byKind].map(([k, n]) => `| ${k} | ${n} |`), ''];
  lines.push(
    `Load: ${r.counts.queries} queries, ${r.counts.writes} acknowledged writes, ${r.counts.runs} runs started, ${r.counts.failed} requests failed.`,
    '',
  );
  lines.push('| invariant | checked | result |', '| --- | --- | --- |');
  for (const c of r.checks)
    lines.push(`| ${c.name} | ${c.checked} | ${c.problems.length ? `FAILED (${c.problems.length})` : 'held'} |`);
  for (const c of r.checks) for (const p of c.problems.slice(0, 10)) lines.push(`- ${c.name}: ${p}`);
  const failed = r.checks.filter((c) => c.problems.length).length;
  lines.push('', `${r.checks.length - failed} passed, ${failed} failed`);
  return lines.join('\n');
}
