import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { ObjectId } from 'mongodb';
import { signToken } from '../shared/auth';
import { loadConfig } from '../shared/config';
import { EmbeddedMongo } from '@hiregraph/embedded-mongo';
import { closeRedis, redisConnection } from '../shared/redis';
import { startStack } from '../scripts/stack';
import { createLogger } from '../shared/logger';
import { EventRelay } from '../subgraphs/assessment/events/relay';
import { newAssessment, type AssessmentDoc } from '../subgraphs/assessment/store/model';
import { AssessmentRepository } from '../subgraphs/assessment/store/repository';
import { fmt, percentile, table } from './stats';
import { unlimitedTenant } from './tenant';
import { TEST_ENV, TEST_JWT_SECRET } from '../test/support/secrets';

/**
 * Subscriptions on one gateway: N subscribers (a separate process of graphql-ws clients) of
 * `assessmentEvents` (one tenant, every subscriber gets every event) and of per-run
 * `assessmentProgress` (one assessment each, then ten subscribers on each run, as a run's page
 * open on a team's screens). Events are recorded as workers record them (appended
 * to the run's log in MongoDB, then to the tenant's Redis stream), each stamped with its time;
 * subscribers measure that time → receipt. The tenant's plan allows any rate (unlimitedTenant). Memory per idle
 * subscription and CPU per 1000 delivered events are measured in the process serving the gateway
 * and the assessment subgraph.
 */
const SIZES = [1000, 5000];
const ROUNDS = 10;
const PER_RUN_BATCH = 200;
/** What is measured: a subscription, and how many subscribers each run (or the tenant) has. */
const MODES: Array<[mode: 'assessmentEvents' | 'assessmentProgress', viewers: number]> = [
  ['assessmentEvents', 1],
  ['assessmentProgress', 1],
  ['assessmentProgress', 10],
];
const CLIENTS = resolve(__dirname, 'subscription-clients.ts');

function heap(): number {
  (global as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

function ask<T>(child: ChildProcess, msg: object, reply: string): Promise<T> {
  return new Promise((ok) => {
    const on = (m: { kind: string }) => {
      if (m.kind === reply) {
        child.off('message', on);
        ok(m as T);
      }
    };
    child.on('message', on);
    child.send(msg);
  });
}

export async function benchSubscriptions(sizes: number[] = SIZES): Promise<string> {
  const mongo = await EmbeddedMongo.start();
  const prefix = `hgbench-${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    ...TEST_ENV,
    MONGODB_DB: 'bench_subs',
    LOG_LEVEL: 'silent',
    QUEUE_PREFIX: prefix,
    SUBSCRIPTIONS_PER_TENANT: '100000',
  });
  const stack = await startStack({ config, mongoUri: mongo.uri, randomPorts: true });
  const pub = redisConnection(config.REDIS_URL, 'worker');
  const rows: Array<Array<string | number>> = [];
  try {
    const tenantId = await unlimitedTenant(stack.subgraphs.tenant.db, 'subscriptions');
    const token = await signToken(TEST_JWT_SECRET, { sub: 'bench', tid: tenantId.toHexString(), roles: ['viewer'] });
    const repo = new AssessmentRepository(stack.subgraphs.assessment.db, tenantId);
    const publisher = new EventRelay({
      redis: pub,
      prefix,
      log: createLogger('bench', 'silent'),
      maxLen: config.EVENT_STREAM_MAXLEN,
    });
    // Runs created as the API creates them: written, then their first events relayed, so no
    // subscriber finds a gap to fill from MongoDB.
    const docs: AssessmentDoc[] = [];
    for (let i = 0; i < Math.max(...sizes); i++) {
      const { doc } = await repo.create({
        ...newAssessment({
          candidateId: new ObjectId(),
          jobId: new ObjectId(),
          agents: ['skills'],
          idempotencyKey: null,
        }),
        status: 'RUNNING',
      });
      await publisher.publish(doc, doc.events);
      docs.push(doc);
    }
    // As a worker records a step: the event appended to the run's log in MongoDB (the record),
    // then relayed to the tenant's stream; its `at` is stamped before the write.
    const publish = async (targets: typeof docs) => {
      await Promise.all(
        targets.map(async (d) => {
          const out = await repo.transition(d._id, () => ({ events: [{ type: 'STEP_STARTED' }] }));
          if (out?.events.length) await publisher.publish(out.doc, out.events, () => repo.eventLog(d._id));
        }),
      );
    };
    for (const [mode, viewers] of MODES) {
      for (const n of sizes) {
        const child = fork(CLIENTS, [], { execArgv: ['--import', 'tsx'], stdio: 'ignore' });
        try {
          // Let the previous round's sockets close before the baseline.
          await new Promise((r) => setTimeout(r, 3000));
          const before = heap();
          const query =
            mode === 'assessmentEvents'
              ? 'subscription { assessmentEvents { seq type at assessment { id status } } }'
              : 'subscription($id: ID!) { assessmentProgress(id: $id) { seq type at assessment { id status } } }';
          // Per run: n / viewers runs, each with `viewers` subscribers (the clients take them in turn).
          const runs = docs.slice(0, n / viewers);
          const variables = mode === 'assessmentEvents' ? [{}] : runs.map((d) => ({ id: d._id.toHexString() }));
          await ask(child, { kind: 'open', url: stack.gateway.url, token, n, query, variables }, 'ready');
          await new Promise((r) => setTimeout(r, 1000));
          const perSub = (heap() - before) / n;
          const cpu0 = process.cpuUsage();
          let published = 0;
          for (let round = 1; round <= ROUNDS; round++) {
            // assessmentEvents: one event reaches all n. Per-run: PER_RUN_BATCH of the n runs get an
            // event each round (a steady PER_RUN_BATCH / 0.4 s events per second across the runs).
            const every = Math.ceil(n / PER_RUN_BATCH);
            const targets =
              mode === 'assessmentEvents' ? [docs[0]!] : runs.filter((_, i) => i % every === round % every);
            await publish(targets);
            published += mode === 'assessmentEvents' ? n : targets.length * viewers;
            await new Promise((r) => setTimeout(r, 400));
          }
          await new Promise((r) => setTimeout(r, 2000));
          const cpu = process.cpuUsage(cpu0);
          const { latencies, received, failed, firstError } = await ask<{
            latencies: number[];
            received: number;
            failed: number;
            firstError: string;
          }>(child, { kind: 'report' }, 'report');
          if (failed) throw new Error(`${failed} of ${n} ${mode} subscriptions ended in an error: ${firstError}`);
          const cpuMs = (cpu.user + cpu.system) / 1000;
          rows.push([
            viewers > 1 ? `${mode}, ${viewers} viewers a run` : mode,
            n,
            `${received}/${published}`,
            fmt(percentile(latencies, 50)),
            fmt(percentile(latencies, 99)),
            `${(perSub / 1024).toFixed(1)} KiB`,
            fmt(cpuMs / (received / 1000)),
          ]);
        } finally {
          const exited = new Promise((r) => child.once('exit', r));
          child.send({ kind: 'close' });
          await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
          child.kill();
        }
      }
    }
  } finally {
    await closeRedis(pub);
    await stack.close();
    await mongo.close();
  }
  return [
    '### Subscriptions on one gateway (event recorded in MongoDB and relayed on Redis → graphql-ws client)',
    table(
      [
        'subscription',
        'subscribers',
        'events delivered',
        'p50 ms',
        'p99 ms',
        'memory per idle subscription',
        'CPU ms per 1000 events',
      ],
      rows,
    ),
  ].join('\n');
}
