import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../scripts/local-redis';
import { FakeLlm } from '../support/fake-llm';
import { startSentinelCluster, type SentinelCluster } from '../support/redis-sentinel';
import { spawnService } from '../support/service-process';

/**
 * Hiregraph as production runs it, every process on its own: the embedded MongoDB from its data
 * directory, Redis under Sentinel (a primary, a replica, three Sentinels), four subgraphs, two
 * gateways and two workers, each on a fixed port so it can be killed and started again in place.
 */
export interface Managed {
  name: string;
  kind: 'mongo' | 'subgraph' | 'gateway' | 'worker';
  child: ChildProcess | null;
  /** Starts it (again); resolves once it is ready. */
  start(): Promise<void>;
  /** kill -9; resolves once it is gone. */
  kill(): Promise<void>;
}

export interface ChaosCluster {
  gateways: string[];
  mongoUri: string;
  db: string;
  prefix: string;
  redis: SentinelCluster;
  llm: FakeLlm;
  processes: Managed[];
  close(): Promise<void>;
}

function killHard(child: ChildProcess | null): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** The embedded server from its CLI, on a fixed port and data directory; ready when it prints its URI. */
async function startMongo(port: number, dataDir: string): Promise<ChildProcess> {
  const cli = require.resolve('@hiregraph/embedded-mongo/cli');
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', String(port), '--data', dataDir], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise<void>((ok, fail) => {
    createInterface({ input: child.stdout! }).once('line', () => ok());
    child.once('exit', (code) => fail(new Error(`embedded MongoDB exited with ${code}`)));
  });
  return child;
}

export async function startChaosCluster(): Promise<ChaosCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hg-chaos-'));
  const processes: Managed[] = [];
  const redis = await startSentinelCluster();
  const llm = await FakeLlm.start();
  const cleanup = async () => {
    for (const p of processes) await killHard(p.child);
    await redis.close();
    await llm.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const mongoPort = await freePort();
    const mongoUri = `mongodb://127.0.0.1:${mongoPort}/?directConnection=true`;
    const db = `chaos_${randomBytes(4).toString('hex')}`;
    const prefix = `hgchaos-${randomBytes(4).toString('hex')}`;
    const ports = {
      tenant: await freePort(),
      candidate: await freePort(),
      job: await freePort(),
      assessment: await freePort(),
    };
    const url = (port: number) => `http://127.0.0.1:${port}/graphql`;
    const env: Record<string, string> = {
      MONGODB_URI: mongoUri,
      MONGODB_DB: db,
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_SENTINELS: redis.sentinels,
      REDIS_SENTINEL_NAME: redis.name,
      QUEUE_PREFIX: prefix,
      LLM_BASE_URL: llm.url,
      LLM_TIMEOUT_MS: '10000',
      STEP_BACKOFF_MS: '200',
      STEP_ATTEMPTS: '5',
      JOB_LOCK_MS: '4000',
      RECONCILE_INTERVAL_MS: '1000',
      RECONCILE_AFTER_MS: '4000',
      EVENT_POLL_MS: '1000',
      EVENT_CATCHUP_MS: '2000',
      TENANT_URL: url(ports.tenant),
      CANDIDATE_URL: url(ports.candidate),
      JOB_URL: url(ports.job),
      ASSESSMENT_URL: url(ports.assessment),
      TENANT_PORT: String(ports.tenant),
      CANDIDATE_PORT: String(ports.candidate),
      JOB_PORT: String(ports.job),
      ASSESSMENT_PORT: String(ports.assessment),
      WORKER_PORT: '0',
      SHUTDOWN_TIMEOUT_MS: '2000',
    };
    const managed = (name: string, kind: Managed['kind'], run: () => Promise<ChildProcess>): Managed => {
      const m: Managed = {
        name,
        kind,
        child: null,
        async start() {
          m.child = await run();
        },
        async kill() {
          await killHard(m.child);
        },
      };
      processes.push(m);
      return m;
    };
    const service = (entry: string, extra: Record<string, string>, ready: string) => async () =>
      (await spawnService(entry, { ...env, ...extra }, ready)).child;

    await managed('mongo', 'mongo', () => startMongo(mongoPort, join(dir, 'mongo'))).start();
    for (const name of ['tenant', 'candidate', 'job', 'assessment'] as const) {
      await managed(name, 'subgraph', service(`subgraphs/${name}/index.ts`, {}, `${name} subgraph listening`)).start();
    }
    const gateways: string[] = [];
    for (const n of [1, 2]) {
      const port = await freePort();
      gateways.push(url(port));
      await managed(
        `gateway-${n}`,
        'gateway',
        service('gateway/index.ts', { GATEWAY_PORT: String(port) }, 'gateway listening'),
      ).start();
    }
    for (const n of [1, 2]) {
      await managed(
        `worker-${n}`,
        'worker',
        service('subgraphs/assessment/worker-index.ts', {}, 'assessment worker ready'),
      ).start();
    }
    return { gateways, mongoUri, db, prefix, redis, llm, processes, close: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
