import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import autocannon from 'autocannon';
import { parse } from 'graphql';
import { signToken } from '../../shared/auth';
import { SUBGRAPH_SDL } from './subgraphs';
import { fmt, table } from '../stats';

/** The public benchmark's query. */
export const TEST_QUERY = `fragment User on User { id username name }
fragment Review on Review { id body }
fragment Product on Product { inStock name price shippingEstimate upc weight }
query TestQuery {
  users { ...User reviews { ...Review product { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } } } }
  topProducts { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } }
}`;

const ROOT = resolve(__dirname, '../..');
const GATEWAY_CORE = '0';
const LOAD_CORE = '1';
const CONNECTIONS = 50;

interface Gateway {
  name: string;
  /** The command, run pinned to the gateway's core. */
  command: (supergraph: string, port: number) => string[];
  env: Record<string, string>;
}

/** Waits for a line of a child's stdout that matches. */
function lineOf(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${seen.slice(-500)}`)), 60_000);
    child.stdout!.on('data', (c: Buffer) => {
      seen += c.toString();
      const m = pattern.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolveLine(m[0]);
      }
    });
    child.stderr!.on('data', (c: Buffer) => (seen += c.toString()));
    child.on('exit', (code) => reject(new Error(`${what} exited (${code}): ${seen.slice(-500)}`)));
  });
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRssMiB(pid: number): number {
  return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

async function post(url: string, token: string): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: TEST_QUERY }),
  });
  return JSON.stringify(await res.json());
}

interface Row {
  gateway: string;
  round: number;
  rps: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: number;
  peakRss: number;
  failed: number;
}

/**
 * `npm run bench -- gateways [--seconds N] [--rounds N]`: Hiregraph's gateway, stock Apollo
 * Gateway and Hive Gateway over the same four subgraphs, each pinned to one core with the
 * subgraphs and the load generator on the other; autocannon with 50 connections, a warm-up, then
 * measured runs, rounds interleaved; every gateway's answer checked identical to the others'.
 */
export async function benchGateways(argv: string[] = process.argv.slice(2)): Promise<string> {
  const arg = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const seconds = arg('seconds', 30);
  const rounds = arg('rounds', 2);
  execFileSync('taskset', ['-pc', LOAD_CORE, String(process.pid)], { stdio: 'ignore' });
  const children: ChildProcess[] = [];
  const stop = () => {
    for (const c of children) c.kill('SIGKILL');
  };
  try {
    const subgraphs = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'subgraphs.ts')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(subgraphs);
    execFileSync('taskset', ['-pc', LOAD_CORE, String(subgraphs.pid)], { stdio: 'ignore' });
    const urls = JSON.parse(await lineOf(subgraphs, /\{.*\}/, 'the subgraphs')) as Record<string, string>;
    const composed = composeServices(
      Object.entries(SUBGRAPH_SDL).map(([name, sdl]) => ({ name, url: urls[name]!, typeDefs: parse(sdl) })),
    );
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    const dir = mkdtempSync(join(tmpdir(), 'hg-gateways-'));
    const supergraph = join(dir, 'supergraph.graphql');
    writeFileSync(supergraph, composed.supergraphSdl);
    const secret = randomBytes(32).toString('hex');
    const token = await signToken(secret, { sub: 'bench', roles: ['viewer'] });

    const tsx = (file: string) => (sg: string, port: number) => [
      process.execPath,
      '--import',
      'tsx',
      join(__dirname, file),
      sg,
      String(port),
    ];
    const hive = (dedupe: boolean): Gateway => ({
      name: 'hive-gateway',
      command: (sg, port) => [
        join(ROOT, 'node_modules/.bin/hive-gateway'),
        'supergraph',
        sg,
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
        '--jit',
        '--config-path',
        join(__dirname, 'hive.config.ts'),
      ],
      env: { FORK: '1', HIVE_DEDUPE: dedupe ? 'on' : 'off' },
    });
    const gateways: Gateway[] = [
      {
        name: 'hiregraph',
        command: tsx('hiregraph-gateway.ts'),
        env: { JWT_SECRET: secret, LOG_LEVEL: 'info', QUEUE_PREFIX: `hgbench-${randomBytes(3).toString('hex')}` },
      },
      { name: 'apollo-gateway', command: tsx('apollo-gateway.ts'), env: {} },
      hive(true),
    ];

    const rows: Row[] = [];
    let port = 4700;
    const started: Array<{ gw: Gateway; url: string; pid: number }> = [];
    for (const gw of gateways) {
      port++;
      const [cmd, ...args] = gw.command(supergraph, port);
      const child = spawn('taskset', ['-c', GATEWAY_CORE, cmd!, ...args], {
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: 'production', ...gw.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      const url = `http://127.0.0.1:${port}/graphql`;
      // Each prints a line once it listens; Hive Gateway's is its own log line.
      await lineOf(child, /ready|Listening|listening|Serving/, gw.name);
      started.push({ gw, url, pid: child.pid! });
    }
    // Identical answers, no errors.
    const answers = await Promise.all(started.map((s) => post(s.url, token)));
    const reference = answers[0]!;
    if (reference.includes('"errors"')) throw new Error(`errors in the answer: ${reference.slice(0, 400)}`);
    started.forEach((s, i) => {
      if (answers[i] !== reference) {
        throw new Error(`${s.gw.name} answers differently:\n${answers[i]!.slice(0, 400)}`);
      }
    });

    const load = (url: string, duration: number) =>
      autocannon({
        url,
        method: 'POST',
        connections: CONNECTIONS,
        duration,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: TEST_QUERY }),
      });
    for (let round = 1; round <= rounds; round++) {
      for (const s of started) {
        await load(s.url, 5); // warm-up
        const cpu = cpuSeconds(s.pid);
        const r = await load(s.url, seconds);
        const used = cpuSeconds(s.pid) - cpu;
        rows.push({
          gateway: s.gw.name,
          round,
          rps: r.requests.average,
          p50: r.latency.p50,
          p99: r.latency.p99,
          cpuMsPerRequest: (used * 1000) / Math.max(1, r.requests.total),
          peakRss: peakRssMiB(s.pid),
          failed: r.errors + r.non2xx + r.timeouts,
        });
        // The answers stay identical under load.
        if ((await post(s.url, token)) !== reference) throw new Error(`${s.gw.name} answered differently after load`);
      }
    }
    const mean = (name: string) => {
      const mine = rows.filter((r) => r.gateway === name);
      return mine.reduce((a, r) => a + r.rps, 0) / mine.length;
    };
    const ratio = (other: string) => (mean('hiregraph') / mean(other)).toFixed(2);
    return [
      `### Gateways on one core each: the public benchmark's query, ${CONNECTIONS} connections, ${seconds} s per round`,
      '',
      table(
        ['gateway', 'round', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms / request', 'peak RSS MiB', 'failed'],
        rows.map((r) => [
          r.gateway,
          r.round,
          r.rps.toFixed(0),
          fmt(r.p50),
          fmt(r.p99),
          fmt(r.cpuMsPerRequest),
          r.peakRss.toFixed(0),
          r.failed,
        ]),
      ),
      '',
      `Answers: ${Buffer.byteLength(reference)} bytes, identical from every gateway, before and after each run.`,
      '',
      `gateways: hiregraph/apollo-gateway ${ratio('apollo-gateway')}×, hiregraph/hive-gateway ${ratio('hive-gateway')}×`,
    ].join('\n');
  } finally {
    stop();
  }
}
