import { createServer } from 'node:http';
import { Worker } from 'bullmq';
import express from 'express';
import { Counter } from 'prom-client';
import type { MongoClient } from 'mongodb';
import { ServiceTokens } from '../../../shared/auth';
import { internalJwtSecret, metricsPort, type Config } from '../../../shared/config';
import { CleanupStack } from '../../../shared/cleanup-stack';
import { EntityClient } from '../../../shared/graphql/entity-client';
import { addOpsRoutes, listen, serveMetrics } from '../../../shared/graphql/http';
import { createLogger, type Logger } from '../../../shared/logger';
import { createMetrics } from '../../../shared/metrics';
import { connectMongo } from '../../../shared/mongo/connect';
import { closeRedis, redisConnection, redisTarget } from '../../../shared/redis';
import { availableAgents } from '../agents/registry';
import { LlmCache } from '../agents/llm-cache';
import { EventRelay } from '../events/relay';
import { LLM_QUEUE_NAME, QUEUE_NAME, RunQueue, runQueueOptions, type RunJobData } from './queue';
import { queueMetrics } from './worker-metrics';
import { KnownRuns } from './known-runs';
import { Reconciler } from './reconciler';
import { CancelChecks } from './run-signal';
import { stepBackoffStrategy } from './retries';
import { processRunJob } from './steps';

export interface WorkerOptions {
  config: Config;
  mongoUri: string;
  /** Port of /healthz and /readyz; 0 picks a free one, null serves none. Default: config.WORKER_PORT. */
  port?: number | null;
  /** Port of /metrics; 0 picks a free one. Default: METRICS_PORT + 5. */
  metricsPort?: number;
  /** The candidate subgraph, whose `_entities` validation reads. Default: config.CANDIDATE_URL. */
  candidateUrl?: string;
  /** The job subgraph, likewise. Default: config.JOB_URL. */
  jobUrl?: string;
  logger?: Logger;
}

export interface RunningWorker {
  reconciler: Reconciler;
  /** Where /healthz and /readyz answer (null when served on no port). */
  opsUrl: string | null;
  /** The worker's Prometheus endpoint. */
  metricsUrl: string;
  /** Stops taking jobs, lets running ones finish (within the caller's bound), closes everything. Safe twice. */
  close(): Promise<void>;
}

/** Builds and starts an assessment worker: BullMQ worker for every step, plus the reconciler. */
export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const { config } = opts;
  const log = opts.logger ?? createLogger('worker', config.LOG_LEVEL);
  // Closed last-in-first-out: the reconciler and workers stop before the queue and connections they use.
  const steps = new CleanupStack();
  const abort = new AbortController();
  // The worker's own credential: service tokens the gateway refuses and the candidate and job
  // subgraphs take for their `_entities` reads only; never the users' secret.
  const tokens = new ServiceTokens(internalJwtSecret(config));
  const owners = {
    candidate: new EntityClient(opts.candidateUrl ?? config.CANDIDATE_URL, 'Candidate'),
    job: new EntityClient(opts.jobUrl ?? config.JOB_URL, 'Job'),
  };
  try {
    const metrics = createMetrics('worker');
    const mongo: MongoClient = await connectMongo(opts.mongoUri, metrics, 'hiregraph-worker');
    steps.defer(() => mongo.close());
    const db = mongo.db(config.MONGODB_DB);
    const workerRedis = redisConnection(redisTarget(config), 'worker');
    const producerRedis = redisConnection(redisTarget(config), 'worker');
    steps.defer(() => closeRedis(producerRedis));
    steps.defer(() => closeRedis(workerRedis));
    const queueOpts = runQueueOptions(config, producerRedis);
    const queue = new RunQueue(queueOpts);
    steps.defer(() => queue.close());
    const relay = new EventRelay({
      redis: producerRedis,
      prefix: config.QUEUE_PREFIX,
      log,
      maxLen: config.EVENT_STREAM_MAXLEN,
    });
    const cache =
      config.LLM_CACHE_TTL_SECONDS > 0
        ? new LlmCache({
            redis: producerRedis,
            prefix: config.QUEUE_PREFIX,
            ttlSeconds: config.LLM_CACHE_TTL_SECONDS,
            registry: metrics.registry,
            log,
          })
        : undefined;
    const agents = new Map(availableAgents(config, cache).map((a) => [a.name, a]));
    // Shared by both queues' jobs: a run's built-in and LLM agents run side by side in this process.
    const known = new KnownRuns();
    const checks = new CancelChecks(config.CANCEL_CHECK_MS);
    const runsEnded = new Counter({
      name: 'hiregraph_runs_ended_total',
      help: 'Assessment runs this worker ended, by status (COMPLETED, FAILED)',
      labelNames: ['status'] as const,
      registers: [metrics.registry],
    });
    // Built-in steps and LLM agents on queues of their own, so no built-in step waits behind LLM latency.
    const llmWorkerRedis = redisConnection(redisTarget(config), 'worker');
    steps.defer(() => closeRedis(llmWorkerRedis));
    const observeJobs = queueMetrics(metrics.registry, [queue.queue, queue.llm]);
    const workers = [
      { name: QUEUE_NAME, connection: workerRedis, concurrency: config.WORKER_CONCURRENCY },
      { name: LLM_QUEUE_NAME, connection: llmWorkerRedis, concurrency: config.LLM_WORKER_CONCURRENCY },
    ].map(({ name, connection, concurrency }) => {
      const worker = new Worker<RunJobData>(
        name,
        (job) =>
          processRunJob(job, {
            db,
            queue,
            relay,
            agents,
            owners,
            tokens,
            log,
            signal: abort.signal,
            checks,
            known,
            runEnded: (status) => runsEnded.inc({ status }),
          }),
        {
          connection,
          prefix: config.QUEUE_PREFIX,
          concurrency,
          lockDuration: config.JOB_LOCK_MS,
          stalledInterval: Math.max(250, Math.floor(config.JOB_LOCK_MS / 2)),
          maxStalledCount: 5,
          telemetry: queueOpts.telemetry,
          settings: { backoffStrategy: stepBackoffStrategy(config.STEP_BACKOFF_MS) },
        },
      );
      worker.on('failed', (job, err) =>
        log.warn({ jobId: job?.id, requestId: job?.data.requestId, err }, 'job attempt failed'),
      );
      observeJobs(worker);
      worker.on('error', (err) => log.error({ err }, 'worker error'));
      steps.defer(() => worker.close());
      return worker;
    });
    const reconciler = new Reconciler({
      db,
      queue,
      log,
      intervalMs: config.RECONCILE_INTERVAL_MS,
      afterMs: config.RECONCILE_AFTER_MS,
      relay,
    });
    reconciler.start();
    steps.defer(() => reconciler.stop());
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    const port = opts.port === undefined ? config.WORKER_PORT : opts.port;
    let opsUrl: string | null = null;
    if (port !== null) {
      const app = express();
      addOpsRoutes(app, 'worker', async () => {
        await db.command({ ping: 1 });
        await producerRedis.ping();
        return { mongodb: 'ok', redis: 'ok' };
      });
      const http = createServer(app);
      opsUrl = `http://127.0.0.1:${await listen(http, port, config.BIND_HOST)}`;
      steps.defer(() => new Promise<void>((r) => http.close(() => r())));
    }
    const metricsServer = await serveMetrics(
      metrics,
      opts.metricsPort ?? metricsPort(config, 'worker'),
      config.BIND_HOST,
    );
    steps.defer(() => metricsServer.close());
    log.info({ concurrency: config.WORKER_CONCURRENCY, agents: [...agents.keys()] }, 'assessment worker ready');
    return { reconciler, opsUrl, metricsUrl: metricsServer.url, close: () => steps.close() };
  } catch (err) {
    abort.abort();
    await steps.close().catch(() => undefined);
    throw err;
  }
}
