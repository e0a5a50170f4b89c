import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';

/*
 * The gateway processes under comparison: how each starts, pinned to its core, and what it costs.
 */

export const ROOT = resolve(__dirname, '../..');
const GATEWAY_CORE = '0';

export interface Gateway {
  name: string;
  /** Node's arguments (after its flags), run pinned to the gateway's core. */
  command: (supergraph: string, port: number) => string[];
  env: Record<string, string>;
}

export interface Started {
  gw: Gateway;
  url: string;
  child: ChildProcess;
  profileDir?: string;
}

/**
 * Waits for a line of a child's stdout that matches, then discards what follows: a gateway logs a
 * line per request, and keeping them would load the measuring core more with every request.
 */
export function lineOf(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${seen.slice(-500)}`)), 60_000);
    const onData = (c: Buffer) => {
      seen += c.toString();
      const m = pattern.exec(seen);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      seen = '';
      resolveLine(m[0]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    // Still read once the line came, so the child never blocks on a full pipe.
    child.stdout!.resume();
    child.stderr!.resume();
    child.on('exit', (code) => reject(new Error(`${what} exited (${code}): ${seen.slice(-500)}`)));
  });
}

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuSplit(pid);
  return user + system;
}

/** A process's CPU seconds so far, in user space and in the kernel (its system calls: sockets, memory). */
export function cpuSplit(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

export function peakRssMiB(pid: number): number {
  return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

const GATEWAYS = (secret: string, dedupe: boolean): Gateway[] => {
  const tsx = (file: string) => (sg: string, port: number) => [
    '--import',
    'tsx',
    join(__dirname, file),
    sg,
    String(port),
  ];
  return [
    {
      name: 'hiregraph',
      command: tsx('hiregraph-gateway.ts'),
      env: {
        JWT_SECRET: secret,
        METRICS_PORT: '0',
        LOG_LEVEL: 'info',
        QUEUE_PREFIX: `hgbench-${randomBytes(3).toString('hex')}`,
        DEDUPLICATE_REQUESTS: String(dedupe),
      },
    },
    { name: 'apollo-gateway', command: tsx('apollo-gateway.ts'), env: {} },
    {
      name: 'hive-gateway',
      command: (sg, port) => [
        join(ROOT, 'node_modules/@graphql-hive/gateway/dist/bin.js'),
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
    },
  ];
};

let nextPort = 4700;

/** `--cpu-prof` into a fresh directory named after `name` under `profileRoot` when profiling; no flags otherwise. */
export function cpuProfiling(profileRoot: string | undefined, name: string): { profileDir?: string; flags: string[] } {
  if (!profileRoot) return { flags: [] };
  const profileDir = mkdtempSync(join(profileRoot, `${name}-`));
  return { profileDir, flags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] };
}

export async function startGateways(
  supergraph: string,
  secret: string,
  dedupe: boolean,
  profileRoot: string | undefined,
  children: ChildProcess[],
): Promise<Started[]> {
  const started: Started[] = [];
  for (const gw of GATEWAYS(secret, dedupe)) {
    const port = ++nextPort;
    const { profileDir, flags: nodeFlags } = cpuProfiling(profileRoot, gw.name);
    const child = spawn(
      'taskset',
      ['-c', GATEWAY_CORE, process.execPath, ...nodeFlags, ...gw.command(supergraph, port)],
      { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production', ...gw.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    // Each prints a line once it listens; Hive Gateway's is its own log line.
    await lineOf(child, /ready|Listening|listening|Serving/, gw.name);
    started.push({ gw, url: `http://127.0.0.1:${port}/graphql`, child, profileDir });
  }
  return started;
}

/** Ends each gateway with SIGTERM, so a profiled one writes its profile, and waits for it to exit. */
export async function stopGateways(started: Started[]): Promise<void> {
  await Promise.all(
    started.map(
      ({ child }) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null) return done();
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', () => {
            clearTimeout(timer);
            done();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}
