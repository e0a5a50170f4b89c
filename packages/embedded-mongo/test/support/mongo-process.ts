import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const CLI = resolve(__dirname, '../../src/cli.ts');

/** The embedded server in a child process (as `npm run mongo` runs it), so a test can kill -9 it. */
export interface MongoProcess {
  uri: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export async function spawnEmbeddedMongo(dataDir: string, extraArgs: string[] = []): Promise<MongoProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', '--data', dataDir, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let stderr = '';
  child.stderr!.on('data', (c) => {
    stderr += String(c);
  });
  const lines = createInterface({ input: child.stdout! });
  const uri = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`embedded MongoDB did not start within 20 s: ${stderr}`)), 20_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      ok(line.trim());
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`embedded MongoDB exited with ${code}: ${stderr}`));
    });
  });
  return { uri, child, exited };
}

/** SIGKILL, as a crash: no handler runs, nothing is flushed. */
export async function killHard(p: MongoProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGKILL');
  await p.exited;
}
