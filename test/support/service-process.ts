import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { TEST_ENV } from './secrets';

const ROOT = resolve(__dirname, '../..');

/** A Hiregraph process started from its entry file, as production runs it, so a test can signal or kill it. */
export interface ServiceProcess {
  /** The port from its "listening" log line (null for processes that log none, such as the worker). */
  port: number | null;
  /** Its /metrics port, from the same line (METRICS_PORT=0 here: any free port). */
  metricsPort: number | null;
  child: ChildProcess;
  /** Everything it wrote on stdout so far, one JSON log record per line. */
  lines: string[];
}

/**
 * Starts `entry` (relative to the project root) with `env` and resolves once it logs `readyMsg`
 * (at LOG_LEVEL=info). stdout is kept in `lines`, so a test can read the process's own logs.
 */
export async function spawnService(
  entry: string,
  env: Record<string, string>,
  readyMsg: string,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, entry)], {
    // Readiness is read from an info line, so the level is info whatever the caller's env says.
    env: { ...process.env, ...TEST_ENV, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c) => {
    stderr += String(c);
  });
  const lines: string[] = [];
  const reader = createInterface({ input: child.stdout! });
  let metricsPort: number | null = null;
  const port = await new Promise<number | null>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${entry} did not start: ${stderr}`)), 30_000);
    let ready = false;
    reader.on('line', (line) => {
      lines.push(line);
      if (ready) return;
      try {
        const rec = JSON.parse(line) as { msg?: string; port?: number; metricsPort?: number };
        if (rec.msg === readyMsg) {
          ready = true;
          metricsPort = rec.metricsPort ?? null;
          clearTimeout(timer);
          ok(rec.port ?? null);
        }
      } catch {
        /* not a log line */
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${entry} exited with ${code}: ${stderr}`));
    });
  });
  return { port, metricsPort, child, lines };
}

/** A gateway in its own process (as production runs it), so a test can kill -9 it. */
export async function spawnGateway(
  env: Record<string, string>,
): Promise<{ url: string; metricsUrl: string; child: ChildProcess }> {
  const g = await spawnService('gateway/index.ts', { ...env, GATEWAY_PORT: '0' }, 'gateway listening');
  return {
    url: `http://127.0.0.1:${g.port}/graphql`,
    metricsUrl: `http://127.0.0.1:${g.metricsPort}/metrics`,
    child: g.child,
  };
}
