import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import type { Config } from '../shared/config';

/** Whether a Redis answers PING at `url` (within about a second). */
export async function answers(url: string): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** A TCP port free on the loopback interface right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * REDIS_URL if a Redis answers there; otherwise a private redis-server (no persistence) when one
 * is on PATH; otherwise an error saying how to get Redis.
 */
export async function localRedis(config: Config): Promise<{ url: string; close(): Promise<void> }> {
  // With Sentinels, they say where Redis is; there is nothing to start.
  if (config.REDIS_SENTINELS.length) return { url: config.REDIS_URL, close: async () => undefined };
  if (await answers(config.REDIS_URL)) return { url: config.REDIS_URL, close: async () => undefined };
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error(
      `no Redis answers at ${config.REDIS_URL} and redis-server is not installed. Start one (e.g. \`docker run -p 6379:6379 redis:7\`, or install your system's redis-server package) or set REDIS_URL.`,
    );
  }
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !(await answers(url)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await answers(url))) {
    child.kill();
    throw new Error('started a private redis-server but it did not answer');
  }
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
