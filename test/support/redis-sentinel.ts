import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { answers, freePort } from '../../scripts/local-redis';
import { waitFor } from './wait';

/** A primary, a replica and three Sentinels from Debian's redis-server, all on loopback. */
export interface SentinelCluster {
  /** REDIS_SENTINELS for these Sentinels. */
  sentinels: string;
  name: string;
  /** The primary's port right now, as the Sentinels say. */
  primaryPort(): Promise<number>;
  /** kill -9 of the current primary; resolves once the Sentinels have promoted the replica. */
  failover(): Promise<{ from: number; to: number }>;
  /** Starts every killed server again; the Sentinels make it a replica of the primary. Resolves once it answers. */
  restart(): Promise<number[]>;
  close(): Promise<void>;
}

const NAME = 'hgprimary';

export async function startSentinelCluster(): Promise<SentinelCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hg-sentinel-'));
  const children = new Map<number, ChildProcess>();
  const argsOf = new Map<number, string[]>();
  const run = async (port: number, args: string[]) => {
    argsOf.set(port, args);
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    children.set(port, child);
    await waitFor(async () => answers(`redis://127.0.0.1:${port}`), 10_000, `redis on ${port} to answer`);
  };
  try {
    const primary = await freePort();
    const replica = await freePort();
    const common = (port: number) => [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      // A replica's first sync writes an RDB file even with saving off: keep it out of the checkout.
      '--dir',
      dir,
    ];
    await run(primary, common(primary));
    await run(replica, [...common(replica), '--replicaof', '127.0.0.1', String(primary)]);
    await waitFor(
      async () => {
        const r = new Redis({ port: replica, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
        try {
          await r.connect();
          return /master_link_status:up/.test(await r.info('replication'));
        } finally {
          r.disconnect();
        }
      },
      20_000,
      'the replica to finish its first sync',
    );
    const sentinelPorts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${NAME} 127.0.0.1 ${primary} 2`,
          `sentinel down-after-milliseconds ${NAME} 1000`,
          `sentinel failover-timeout ${NAME} 5000`,
          `sentinel parallel-syncs ${NAME} 1`,
          '',
        ].join('\n'),
      );
      await run(port, [conf, '--sentinel']);
      sentinelPorts.push(port);
    }
    const ask = async (): Promise<number> => {
      const s = new Redis({ port: sentinelPorts[0], host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await s.connect();
        const [, port] = (await s.call('SENTINEL', 'get-master-addr-by-name', NAME)) as [string, string];
        return Number(port);
      } finally {
        s.disconnect();
      }
    };
    // Every Sentinel knows the replica before anything relies on a failover.
    await waitFor(
      async () => {
        const s = new Redis({ port: sentinelPorts[2], host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
        try {
          await s.connect();
          const replicas = (await s.call('SENTINEL', 'replicas', NAME)) as unknown[];
          const sentinels = (await s.call('SENTINEL', 'sentinels', NAME)) as unknown[];
          return replicas.length === 1 && sentinels.length === 2;
        } finally {
          s.disconnect();
        }
      },
      20_000,
      'the Sentinels to know the replica and each other',
    );
    return {
      sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
      name: NAME,
      primaryPort: ask,
      async failover() {
        const from = await ask();
        const child = children.get(from)!;
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        });
        const to = await waitFor(
          async () => ((await ask().catch(() => from)) !== from ? ask() : undefined),
          30_000,
          'the Sentinels to promote the replica',
        );
        return { from, to };
      },
      async restart() {
        const dead = [...children].filter(([, c]) => c.exitCode !== null || c.signalCode !== null).map(([p]) => p);
        for (const port of dead) await run(port, argsOf.get(port)!);
        return dead;
      },
      async close() {
        for (const c of children.values()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const c of children.values()) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
