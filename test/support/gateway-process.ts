import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const GATEWAY = resolve(__dirname, '../../gateway/index.ts');

/** A gateway in its own process (as production runs it), so a test can kill -9 it. */
export async function spawnGateway(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', GATEWAY], {
    env: { ...process.env, ...env, GATEWAY_PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c) => { stderr += String(c); });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`gateway did not start: ${stderr}`)), 30_000);
    lines.on('line', (line) => {
      try {
        const rec = JSON.parse(line) as { msg?: string; port?: number };
        if (rec.msg === 'gateway listening' && rec.port) { clearTimeout(timer); ok(rec.port); }
      } catch { /* not a log line */ }
    });
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`gateway exited with ${code}: ${stderr}`)); });
  });
  lines.removeAllListeners('line');
  child.stdout!.resume();
  return { url: `http://127.0.0.1:${port}/graphql`, child };
}
