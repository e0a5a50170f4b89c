import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import autocannon from 'autocannon';
import { parse } from 'graphql';
import { signToken } from '../../shared/auth';
import { SUBGRAPH_SDL } from './subgraphs';
import { fmt, table } from '../stats';
import { option } from '../args';
import { profileSections } from '../stack/profiles';
import { ROOT, cpuSeconds, lineOf, peakRssMiB, startGateways, stopGateways, type Started } from './processes';

/** The public benchmark's query. */
export const TEST_QUERY = `fragment User on User { id username name }
fragment Review on Review { id body }
fragment Product on Product { inStock name price shippingEstimate upc weight }
query TestQuery {
  users { ...User reviews { ...Review product { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } } } }
  topProducts { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } }
}`;

const LOAD_CORE = '1';
const CONNECTIONS = 50;
/** Tokens signed for the distinct table: more than any run sends, so no two requests share one. */
const DISTINCT_TOKENS = 20_000;

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

/** The three comparisons the benchmark reports, each a table. */
const TABLES = {
  identical: {
    title:
      'identical requests, each gateway with its deduplication as shipped (Hive Gateway: as the public benchmark configures it)',
    tokens: 1,
    dedupe: true,
  },
  'no-dedup': { title: 'identical requests, every deduplication off', tokens: 1, dedupe: false },
  distinct: {
    title: 'every request with a bearer token of its own, deduplication on: nothing can be shared',
    tokens: DISTINCT_TOKENS,
    dedupe: true,
  },
} as const;
type TableName = keyof typeof TABLES;

/**
 * `npm run bench -- gateways [--seconds N] [--rounds N] [--table identical|no-dedup|distinct]
 * [--accept-encoding VALUE] [--profile]`: Hiregraph's gateway, stock Apollo Gateway and Hive
 * Gateway over the same four subgraphs, each pinned to one core with the subgraphs and the load
 * generator on the other; autocannon with 50 connections, a warm-up, then measured runs, rounds
 * interleaved; every gateway's answer checked identical to the others'. `--accept-encoding` sends
 * that header with every request (a gateway that does not compress answers as it is);
 * `--profile` also writes each gateway's `--cpu-prof` and prints its top entries.
 */
export async function benchGateways(argv: string[] = process.argv.slice(2)): Promise<string> {
  const arg = (name: string) => option(argv, name);
  const seconds = Number(arg('seconds') ?? 30);
  const rounds = Number(arg('rounds') ?? 2);
  const profile = argv.includes('--profile');
  const only = arg('table');
  // What a browser sends, say; by default none, as the public benchmark's load generator.
  const acceptEncoding = arg('accept-encoding');
  const tables = (Object.keys(TABLES) as TableName[]).filter((t) => !only || only === t);
  if (!tables.length) throw new Error(`--table: expected one of ${Object.keys(TABLES).join(', ')}, got ${only}`);
  execFileSync('taskset', ['-pc', LOAD_CORE, String(process.pid)], { stdio: 'ignore' });
  const children: ChildProcess[] = [];
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
    // Distinct callers: each request signs in as a user of its own.
    const tokens = await Promise.all(
      Array.from({ length: DISTINCT_TOKENS }, (_, i) => signToken(secret, { sub: `bench-${i}`, roles: ['viewer'] })),
    );
    const subgraphsCpu = cpuSeconds(subgraphs.pid!);
    let requestsSent = 0;

    const out: string[] = [];
    let ratioLine = '';
    for (const name of tables) {
      const spec = TABLES[name];
      const started = await startGateways(supergraph, secret, spec.dedupe, profile ? dir : undefined, children);
      const useTokens = tokens.slice(0, spec.tokens);
      const reference = await checkAnswers(started, useTokens);
      const rows: Row[] = [];
      for (let round = 1; round <= rounds; round++) {
        for (const s of started) {
          await load(s.url, 5, useTokens, acceptEncoding); // warm-up
          const cpu = cpuSeconds(s.child.pid!);
          const r = await load(s.url, seconds, useTokens, acceptEncoding);
          const used = cpuSeconds(s.child.pid!) - cpu;
          requestsSent += r.requests.total;
          rows.push({
            gateway: s.gw.name,
            round,
            rps: r.requests.average,
            p50: r.latency.p50,
            p99: r.latency.p99,
            cpuMsPerRequest: (used * 1000) / Math.max(1, r.requests.total),
            peakRss: peakRssMiB(s.child.pid!),
            failed: r.errors + r.non2xx + r.timeouts,
          });
          // The answers stay identical under load.
          await checkAnswers([s], useTokens, reference);
        }
      }
      const mean = (gw: string) => {
        const mine = rows.filter((r) => r.gateway === gw);
        return mine.reduce((a, r) => a + r.rps, 0) / mine.length;
      };
      const ratio = (other: string) => (mean('hiregraph') / mean(other)).toFixed(2);
      const line = `hiregraph/apollo-gateway ${ratio('apollo-gateway')}×, hiregraph/hive-gateway ${ratio('hive-gateway')}×`;
      if (!ratioLine || name === 'identical') ratioLine = line;
      out.push(
        `### Gateways on one core each, ${spec.title}; ${CONNECTIONS} connections, ${seconds} s per round${acceptEncoding ? `, Accept-Encoding: ${acceptEncoding}` : ''}`,
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
        `Answers: ${Buffer.byteLength(reference)} bytes, identical from every gateway, before and after each run. Ratios (${name}): ${line}`,
        '',
      );
      await stopGateways(started);
      if (profile)
        out.push(
          ...profileSections(
            started.map((s) => ({ title: `${s.gw.name}, ${name}`, dir: s.profileDir })),
            12,
          ),
        );
    }
    const subgraphsMs = (cpuSeconds(subgraphs.pid!) - subgraphsCpu) * 1000;
    out.push(
      `The four subgraphs together used ${fmt(subgraphsMs / Math.max(1, requestsSent))} ms of CPU per gateway request (on the other core).`,
      '',
      `gateways: ${ratioLine}`,
    );
    return out.join('\n');
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
}

/** Each gateway answers the first and last token with `expected` (by default, the first gateway's answer), free of errors; returns it. */
async function checkAnswers(started: Started[], tokens: string[], expected?: string): Promise<string> {
  const reference = expected ?? (await post(started[0]!.url, tokens[0]!));
  if (reference.includes('"errors"')) throw new Error(`errors in the answer: ${reference.slice(0, 400)}`);
  for (const s of started) {
    for (const t of [tokens[0]!, tokens[tokens.length - 1]!]) {
      const answer = await post(s.url, t);
      if (answer !== reference) throw new Error(`${s.gw.name} answers differently:\n${answer.slice(0, 400)}`);
    }
  }
  return reference;
}

/** autocannon against one gateway. With several tokens each request takes the next, so no two requests share one. */
function load(
  url: string,
  duration: number,
  tokens: string[],
  acceptEncoding: string | undefined,
): Promise<autocannon.Result> {
  let next = 0;
  const headers = {
    'content-type': 'application/json',
    authorization: `Bearer ${tokens[0]}`,
    ...(acceptEncoding && { 'accept-encoding': acceptEncoding }),
  };
  return autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration,
    headers,
    body: JSON.stringify({ query: TEST_QUERY }),
    ...(tokens.length > 1 && {
      requests: [
        {
          setupRequest: (req) => ({
            ...req,
            headers: { ...headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` },
          }),
        },
      ],
    }),
  });
}
