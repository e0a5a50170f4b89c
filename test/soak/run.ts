import { runSuite } from '../support/cli';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../../shared/config';
import { closeRedis, redisConnection, redisTarget } from '../../shared/redis';
import { RUN_QUEUES } from '../../subgraphs/assessment/engine/queue';
import { percentile } from '../../bench/stats';
import { startChaosCluster } from '../chaos/cluster';
import { gql, setUpTenants } from '../chaos/load';
import { TEST_ENV } from '../support/secrets';

/**
 * `npm run soak -- [--minutes N] [--rate R]`: sustained mixed traffic at R requests a second
 * (queries 80%, candidate writes 15%, startAssessment 5%) from three tenants, each with a
 * tenant-wide subscriber, against every process running on its own. Prints, per minute, the
 * requests, errors, p50/p99 latency, runs started and finished, and queue depth; then every
 * process's memory (RSS) after warm-up and at the end, and the growth.
 *
 * Memory is sampled every ten seconds and compared as the median of a window, minutes 2–3
 * against the last two minutes: a single sample can land in a collector's dip or peak and
 * report growth that is not there (or hide growth that is).
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SAMPLE_EVERY_MS = 10_000;
const WINDOW_MINUTES = 2;

function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function rssMiB(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { minutes: { type: 'string', default: '10' }, rate: { type: 'string', default: '40' } },
  });
  const minutes = Number(values.minutes);
  const rate = Number(values.rate);
  // Warm-up (minute 1), the warm window and an end window that does not overlap it.
  if (!Number.isInteger(minutes) || minutes < 1 + 2 * WINDOW_MINUTES)
    throw new Error(
      `--minutes must be a whole number of at least ${1 + 2 * WINDOW_MINUTES}, received ${values.minutes}`,
    );
  if (!(rate > 0)) throw new Error(`--rate must be above 0, received ${values.rate}`);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  process.stdout.write(`Machine: ${machine}; ${new Date().toISOString()}; ${minutes} min at ${rate} requests/s\n\n`);
  const cluster = await startChaosCluster();
  const queueRedis = redisConnection(
    redisTarget(
      loadConfig({ ...TEST_ENV, REDIS_SENTINELS: cluster.redis.sentinels, REDIS_SENTINEL_NAME: cluster.redis.name }),
    ),
    'worker',
  );
  const queues = RUN_QUEUES.map((name) => new Queue(name, { connection: queueRedis, prefix: cluster.prefix }));
  try {
    cluster.llm.latencyMs = 100;
    const tenants = await setUpTenants(cluster.gateways[0]!, 3);
    let events = 0;
    const clients = tenants.map((t, i) => {
      const client = createClient({
        url: cluster.gateways[i % 2]!.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${t.token}` },
      });
      client.subscribe(
        { query: 'subscription { assessmentEvents { seq assessment { id status } } }' },
        { next: () => void events++, error: () => undefined, complete: () => undefined },
      );
      return client;
    });
    type Minute = { requests: number; errors: number; latencies: number[]; started: number };
    const minutesOut: Minute[] = [];
    let current: Minute = { requests: 0, errors: 0, latencies: [], started: 0 };
    const inFlight = new Set<Promise<void>>();
    const one = async () => {
      const t = tenants[Math.floor(Math.random() * tenants.length)]!;
      const url = cluster.gateways[Math.floor(Math.random() * cluster.gateways.length)]!;
      const roll = Math.random();
      const m = current;
      const start = performance.now();
      try {
        if (roll < 0.8)
          await gql(
            url,
            t.token,
            '{ jobs(first: 5) { edges { node { title applications(first: 5) { edges { node { stage candidate { name } } } } } } } }',
          );
        else if (roll < 0.95) {
          const n = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
          await gql(url, t.token, 'mutation($i: CreateCandidateInput!) { createCandidate(input: $i) { id } }', {
            i: { name: `S ${n}`, email: `${n}@s.example` },
          });
        } else {
          await gql(url, t.token, 'mutation($i: StartAssessmentInput!) { startAssessment(input: $i) { id } }', {
            i: { candidateId: t.candidateId, jobId: t.jobId, agents: ['skills', 'llm-technical'] },
          });
          m.started++;
        }
        m.latencies.push(performance.now() - start);
      } catch {
        m.errors++;
      } finally {
        m.requests++;
      }
    };
    const memory = (): Map<string, number> => new Map(cluster.processes.map((p) => [p.name, rssMiB(p.child?.pid)]));
    // samples[m] holds the samples taken during minute m + 1.
    const samples: Array<Array<Map<string, number>>> = [];
    const depth = async () => {
      let n = 0;
      for (const queue of queues) {
        const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
        n += Object.values(c).reduce((a, b) => a + b, 0);
      }
      return n;
    };
    process.stdout.write(
      '| minute | requests | errors | p50 ms | p99 ms | runs started | queue depth | events to dashboards |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n',
    );
    const tick = 100;
    const perTick = rate / (1000 / tick);
    let carry = 0;
    for (let minute = 1; minute <= minutes; minute++) {
      const end = Date.now() + 60_000;
      const eventsBefore = events;
      const taken: Array<Map<string, number>> = [];
      samples.push(taken);
      let nextSample = Date.now() + SAMPLE_EVERY_MS;
      while (Date.now() < end) {
        if (Date.now() >= nextSample) {
          taken.push(memory());
          nextSample += SAMPLE_EVERY_MS;
        }
        carry += perTick;
        // Open loop at the stated rate, but never an unbounded pile-up if the system stalls.
        for (; carry >= 1; carry--) {
          if (inFlight.size >= rate * 5) continue;
          const p = one();
          inFlight.add(p);
          void p.finally(() => inFlight.delete(p));
        }
        await sleep(tick);
      }
      minutesOut.push(current);
      const m = current;
      current = { requests: 0, errors: 0, latencies: [], started: 0 };
      process.stdout.write(
        `| ${minute} | ${m.requests} | ${m.errors} | ${percentile(m.latencies, 50).toFixed(1)} | ${percentile(m.latencies, 99).toFixed(1)} | ${m.started} | ${await depth()} | ${events - eventsBefore} |\n`,
      );
      taken.push(memory());
    }
    await Promise.all(inFlight);
    const windowMedian = (name: string, from: number, to: number) =>
      median(samples.slice(from, to).flatMap((minute) => minute.map((m) => m.get(name)!)));
    process.stdout.write(
      `\n| process | RSS after warm-up (MiB, median of minutes 2–${1 + WINDOW_MINUTES}) | RSS at end (MiB, median of the last ${WINDOW_MINUTES} minutes) | growth | median RSS of each minute |\n| --- | --- | --- | --- | --- |\n`,
    );
    let worst = 0;
    for (const { name } of cluster.processes) {
      const start = windowMedian(name, 1, 1 + WINDOW_MINUTES);
      const end = windowMedian(name, minutes - WINDOW_MINUTES, minutes);
      const growth = ((end - start) / start) * 100;
      // The embedded MongoDB keeps its whole data set in memory: it grows with the data written, by design.
      const database = name === 'mongo';
      // A process that died has no samples: NaN growth fails the bound rather than passing it.
      if (!database) worst = Number.isNaN(growth) || Number.isNaN(worst) ? NaN : Math.max(worst, growth);
      const timeline = samples.map((_, i) => windowMedian(name, i, i + 1).toFixed(0)).join(' ');
      process.stdout.write(
        `| ${name}${database ? ' (holds the data set)' : ''} | ${start.toFixed(0)} | ${end.toFixed(0)} | ${growth >= 0 ? '+' : ''}${growth.toFixed(1)}% | ${timeline} |\n`,
      );
    }
    const errors = minutesOut.reduce((a, m) => a + m.errors, 0);
    const ok = worst < 10 && errors === 0; // false when worst is NaN
    process.stdout.write(
      `\nLargest growth of a Hiregraph process after warm-up: ${worst.toFixed(1)}% (bound 10%); errors: ${errors}\n`,
    );
    process.stdout.write(`${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed\n`);
    for (const c of clients) await c.dispose();
    return ok ? 0 : 1;
  } finally {
    for (const queue of queues) await queue.close();
    await closeRedis(queueRedis);
    await cluster.close();
  }
}

runSuite('soak', main);
