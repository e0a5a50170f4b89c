import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../shared/config';
import { freePort, localRedis } from '../scripts/local-redis';
import { SUBGRAPH_NODE_FLAGS } from '../scripts/node-flags';
import { TEST_ENV } from '../test/support/secrets';
import { option } from './args';
import { fmt, table } from './stats';
import { cpuSeconds, cpuSplit, peakRssMiB, stopGateways, type Started } from './gateways/processes';
import { JOBS, PER_JOB, normalizedAnswer, seedDashboard } from './stack/dashboard';
import {
  answer,
  commandsDuring,
  commandsOfOne,
  CONNECTIONS,
  load,
  perRequest,
  tokensFor,
  type Commands,
} from './stack/load';
import { redisPid, startApolloGateway, startHiregraphGateway, startSubgraphsProcess } from './stack/processes';
import { nowUs, profileSections, type ProfileOf } from './stack/profiles';

const WARM_UP_SECONDS = 5;
/** Load through the first gateway before the first round, for the subgraphs process to warm up. */
const STACK_WARM_UP_SECONDS = 15;
const APOLLO_EXECUTOR = 'hiregraph, apollo executor';
/**
 * What `--gateways` chooses from, in the order of its turns (default all, in this order): ours,
 * ours with @apollo/gateway's executor, stock Apollo Gateway.
 */
const GATEWAY_CHOICES = ['hiregraph', 'apollo-executor', 'apollo-gateway'];
/** How long the subgraphs' own background commands are counted at rest, to take them out of each run's. */
const IDLE_SECONDS = 5;
/**
 * After a run, time for the requests still in flight to finish in every process, so each run's CPU
 * and commands are those of all the requests it sent, divided by that number (p99 is about 1 s).
 */
const DRAIN_MS = 2500;

interface Row {
  gateway: string;
  round: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  gatewayMs: number;
  /** Of gatewayMs, the part spent in the kernel. */
  gatewaySystemMs: number;
  subgraphsMs: number;
  redisMs: number;
  commands: Commands;
  rss: number;
  failed: number;
}

/**
 * `npm run bench -- stack [--seconds N] [--rounds N] [--cpu-prof] [--gateways a,b] [--compare DIR]
 * [--compare-node-flags "FLAGS"] [--subgraphs-node-flags "FLAGS"]` (issue 23): Hiregraph's dashboard
 * query over the whole stack, every request from a user of its own (a fresh token: nothing can be
 * shared, cached or deduplicated), 8 concurrent clients. One process runs the four subgraphs and the
 * embedded MongoDB; Hiregraph's gateway (DEDUPLICATE_REQUESTS=false) and stock Apollo Gateway take
 * turns in front of it, rounds interleaved. Per gateway: throughput, latency, and the CPU each
 * process spent per request, with MongoDB commands per request from the subgraphs' /metrics.
 * `--cpu-prof` profiles the gateways and the subgraphs process's main thread (Node profiles no worker
 * thread, so not the embedded MongoDB's) and prints their leading entries. `--gateways` picks among
 * hiregraph, apollo-executor and apollo-gateway; `--compare DIR` adds the gateway of another
 * checkout (a worktree of another commit, its node_modules linked) to the turns, for a change's
 * before and after in one run, `--compare-node-flags` runs that gateway (or, alone, this checkout's
 * once more) with Node flags; `--subgraphs-node-flags` runs the subgraphs process with Node flags.
 */
export async function benchStack(argv: string[] = process.argv.slice(2)): Promise<string> {
  const arg = (name: string) => option(argv, name);
  const seconds = Number(arg('seconds') ?? 15);
  const rounds = Number(arg('rounds') ?? 2);
  const chosen = (arg('gateways') ?? GATEWAY_CHOICES.join(',')).split(',');
  const compare = arg('compare');
  const flagsOf = (name: string) => (arg(name) ?? '').split(' ').filter(Boolean);
  // As deployed unless given ("" for none).
  const nodeFlags = arg('subgraphs-node-flags') === undefined ? SUBGRAPH_NODE_FLAGS : flagsOf('subgraphs-node-flags');
  const compareFlags = flagsOf('compare-node-flags');
  const compared =
    compare || compareFlags.length
      ? `hiregraph${compare ? ` at ${basename(compare)}` : ''}${compareFlags.length ? ` with ${compareFlags.join(' ')}` : ''}`
      : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'hg-stack-'));
  const profileRoot = argv.includes('--cpu-prof') ? dir : undefined;
  const children: ChildProcess[] = [];
  // A private Redis: REDIS_URL names a port nothing listens on, so localRedis starts one.
  const redis = await localRedis(loadConfig({ ...TEST_ENV, REDIS_URL: `redis://127.0.0.1:${await freePort()}` }));
  try {
    const redisProcess = redisPid(Number(new URL(redis.url).port));
    const dbName = `bench_stack_${randomBytes(4).toString('hex')}`;
    // What every Hiregraph process shares, as deployed: production, the same secrets, one Redis.
    const env = {
      ...TEST_ENV,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      MONGODB_DB: dbName,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: `hgstack-${randomBytes(3).toString('hex')}`,
    };
    const subgraphs = await startSubgraphsProcess(env, children, profileRoot, nodeFlags);
    const tenantId = await seedDashboard(subgraphs.mongoUri, dbName);
    const hiregraphEnv = { ...env, DEDUPLICATE_REQUESTS: 'false' };
    const starters: Record<string, () => Promise<Started>> = {
      hiregraph: () => startHiregraphGateway(hiregraphEnv, subgraphs.urls, children, profileRoot),
      // The same gateway with @apollo/gateway's plan executor: what Hiregraph's own executor changes.
      'apollo-executor': () =>
        startHiregraphGateway(
          { ...hiregraphEnv, GATEWAY_EXECUTOR: 'apollo' },
          subgraphs.urls,
          children,
          profileRoot,
          APOLLO_EXECUTOR,
        ),
      'apollo-gateway': () => startApolloGateway(subgraphs.urls, dir, children, profileRoot),
    };
    const gateways: Started[] = [];
    // In the order given: each round takes them in turn in that order.
    for (const name of chosen) {
      const start = starters[name];
      if (!start) throw new Error(`--gateways: "${name}" is none of ${GATEWAY_CHOICES.join(', ')}`);
      gateways.push(await start());
      // Another checkout's gateway, or this one's with other Node flags, right after this one's:
      // a change's before and after in one run.
      if (name === 'hiregraph' && compared)
        gateways.push(
          await startHiregraphGateway(
            hiregraphEnv,
            subgraphs.urls,
            children,
            profileRoot,
            compared,
            resolve(compare ?? '.'),
            compareFlags,
          ),
        );
    }

    // One answer of each, identical once normalized; the reference every later answer is held to.
    const raw = await Promise.all(gateways.map((g) => answer(g.url, tenantId)));
    const reference = normalizedAnswer(gateways[0]!.gw.name, raw[0]!);
    const check = async (g: Started, body?: string) => {
      const got = normalizedAnswer(g.gw.name, body ?? (await answer(g.url, tenantId)));
      if (got !== reference) {
        const at = [...got].findIndex((c, i) => c !== reference[i]);
        throw new Error(
          `${g.gw.name} answers differently from ${gateways[0]!.gw.name} at character ${at}:\n` +
            `  ${gateways[0]!.gw.name}: …${reference.slice(Math.max(0, at - 80), at + 80)}\n` +
            `  ${g.gw.name}: …${got.slice(Math.max(0, at - 80), at + 80)}`,
        );
      }
    };
    for (const [i, g] of gateways.entries()) await check(g, raw[i]);
    // At rest: the subgraphs' own commands per second, then each gateway's answer alone.
    const { commands: idle } = await commandsDuring(subgraphs.metricsUrls, () => sleep(IDLE_SECONDS * 1000));
    const background = Object.fromEntries(Object.entries(idle).map(([k, v]) => [k, v / IDLE_SECONDS]));
    const ofOne: Commands[] = [];
    for (const g of gateways) ofOne.push(await commandsOfOne(subgraphs.metricsUrls, g.url, tenantId));

    // The subgraphs process's first seconds under load (JIT, the heap growing) are not its steady
    // state: without this, whichever gateway's first round came first paid them (about a fifth more
    // subgraph CPU per request in that round than in the next).
    await load(gateways[0]!.url, STACK_WARM_UP_SECONDS, await tokensFor(tenantId, STACK_WARM_UP_SECONDS));
    await sleep(DRAIN_MS);
    const rows: Row[] = [];
    const windows = new Map<string, Array<[number, number]>>(gateways.map((g) => [g.gw.name, []]));
    for (let round = 1; round <= rounds; round++) {
      for (const g of gateways) {
        // CPU seconds so far of the gateway, the subgraphs process and Redis, in that order.
        const cpuNow = () =>
          [g.child.pid!, subgraphs.child.pid!, redisProcess].map((pid) => (pid ? cpuSeconds(pid) : 0));
        await load(g.url, WARM_UP_SECONDS, await tokensFor(tenantId, WARM_UP_SECONDS));
        await sleep(DRAIN_MS);
        const tokens = await tokensFor(tenantId, seconds);
        const cpu = cpuNow();
        const system = cpuSplit(g.child.pid!).system;
        const from = nowUs();
        // The requests in flight when the run ends still run to completion: counted, as they were sent.
        const { result: r, commands } = await commandsDuring(subgraphs.metricsUrls, async () => {
          const result = await load(g.url, seconds, tokens);
          await sleep(DRAIN_MS);
          return result;
        });
        windows.get(g.gw.name)!.push([from, nowUs()]);
        const used = cpuNow();
        const systemUsed = cpuSplit(g.child.pid!).system - system;
        const n = Math.max(1, r.requests.sent);
        const ms = (i: number) => ((used[i]! - cpu[i]!) * 1000) / n;
        rows.push({
          gateway: g.gw.name,
          round,
          requests: r.requests.sent,
          rps: r.requests.total / seconds,
          p50: r.latency.p50,
          p99: r.latency.p99,
          gatewayMs: ms(0),
          gatewaySystemMs: (systemUsed * 1000) / n,
          subgraphsMs: ms(1),
          redisMs: ms(2),
          commands,
          rss: peakRssMiB(g.child.pid!),
          failed: r.errors + r.non2xx + r.timeouts,
        });
        await check(g); // still the same answer after the load
      }
    }

    const subgraphsRss = peakRssMiB(subgraphs.child.pid!);
    await stopGateways([
      ...gateways,
      { gw: { name: 'subgraphs', command: () => [], env: {} }, url: '', child: subgraphs.child },
    ]);
    const mean = (gw: string, pick: (r: Row) => number) => {
      const mine = rows.filter((r) => r.gateway === gw);
      return mine.reduce((a, r) => a + pick(r), 0) / mine.length;
    };
    const has = (gw: string) => rows.some((r) => r.gateway === gw);
    const ratio = (pick: (r: Row) => number, of = 'hiregraph', to = 'apollo-gateway') =>
      has(of) && has(to) ? `${(mean(of, pick) / mean(to, pick)).toFixed(2)}×` : 'n/a';
    const profiles: ProfileOf[] = [
      ...gateways.map((g) => ({ title: `${g.gw.name} gateway`, dir: g.profileDir, windows: windows.get(g.gw.name)! })),
      ...gateways.map((g) => ({
        title: `subgraphs process's main thread (not the embedded MongoDB's own), during the ${g.gw.name} rounds`,
        dir: subgraphs.profileDir,
        windows: windows.get(g.gw.name)!,
      })),
    ];
    return [
      `### Full stack, distinct users: the dashboard query; ${CONNECTIONS} connections, ${seconds} s per round, ${rounds} round(s)`,
      '',
      `One process runs the four subgraphs and the embedded MongoDB, on a thread of its own (\`bench/stack/subgraphs.ts\`, as \`npm start\` without its gateway and worker; NODE_ENV=production, LOG_LEVEL=info); a private redis-server holds the rate limits. In front of it, in turns: Hiregraph's gateway (\`gateway/index.ts\`, DEDUPLICATE_REQUESTS=false, rate limits on) and stock \`@apollo/gateway\` with Apollo Server (\`bench/gateways/apollo-gateway.ts\`, forwarding \`authorization\`). No process is pinned. ${JOBS} jobs × ${PER_JOB} applications in a fresh database; every request carries a token of its own (a distinct \`sub\`, same tenant, role viewer). The stack is loaded for ${STACK_WARM_UP_SECONDS} s through the first gateway before the first round, and a ${WARM_UP_SECONDS} s warm-up precedes each measured run; CPU from /proc (user + system, every thread of the process) and MongoDB commands over the run and its drain, divided by the requests it sent.`,
      '',
      table(
        [
          'gateway',
          'round',
          'req/s',
          'p50 ms',
          'p99 ms',
          'gateway CPU ms/req',
          'of which kernel',
          'subgraphs CPU ms/req',
          'Redis CPU ms/req',
          'MongoDB commands/req',
          'gateway peak RSS MiB',
          'failed',
        ],
        rows.map((r) => [
          r.gateway,
          r.round,
          r.rps.toFixed(1),
          fmt(r.p50),
          fmt(r.p99),
          fmt(r.gatewayMs),
          fmt(r.gatewaySystemMs),
          fmt(r.subgraphsMs),
          redisProcess ? fmt(r.redisMs) : 'n/a',
          perRequest(r.commands, r.requests, background, seconds + DRAIN_MS / 1000),
          r.rss.toFixed(0),
          r.failed,
        ]),
      ),
      '',
      `Answers: ${gateways.map((g, i) => `${Buffer.byteLength(raw[i]!)} bytes from ${g.gw.name}`).join(', ')}; their data identical (keys sorted), before and after every run. MongoDB commands of one answer at rest: ${gateways.map((g, i) => `${g.gw.name} ${perRequest(ofOne[i]!, 1)}`).join('; ')}. The column's counts leave out the subgraphs' own background commands (${perRequest(background, 1)} per second at rest).`,
      '',
      `hiregraph/apollo-gateway: req/s ${ratio((r) => r.rps)}, gateway CPU per request ${ratio((r) => r.gatewayMs)}, subgraphs CPU per request ${ratio((r) => r.subgraphsMs)}. hiregraph/${APOLLO_EXECUTOR}: gateway CPU per request ${ratio((r) => r.gatewayMs, 'hiregraph', APOLLO_EXECUTOR)}.${compared ? ` hiregraph/${compared}: gateway CPU per request ${ratio((r) => r.gatewayMs, 'hiregraph', compared)}.` : ''} The subgraphs process ran with ${nodeFlags.length ? `\`${nodeFlags.join(' ')}\`` : 'no Node flags'}; its peak RSS ${subgraphsRss.toFixed(0)} MiB.`,
      '',
      ...(profileRoot ? [`Profiles (.cpuprofile) in ${profileRoot}.`, ''] : []),
      ...profileSections(profiles, 10),
    ].join('\n');
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await redis.close();
    // Kept with --cpu-prof: the .cpuprofile files, to open in a profiler.
    if (!profileRoot) rmSync(dir, { recursive: true, force: true });
  }
}
