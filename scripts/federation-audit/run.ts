import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * `npm run audit:federation -- <checkout of graphql-hive/federation-gateway-audit> [--sharing on|off|both]`
 *
 * Runs the public federation gateway audit against Hiregraph's gateway: the audit serves each
 * suite's subgraphs (port 4200) and, per suite, runs a script of ours that writes the suite's
 * supergraph and starts `gateway.ts` on port 4000 (the audit stops whatever listens there between
 * suites). The audit's own code stays in its checkout; this only drives its CLI. Prints a Markdown
 * table per sharing mode (DEDUPLICATE_REQUESTS) with the audit's commit, and exits 1 if any test
 * failed. The checkout gets `npm ci --omit=dev` on its first run (the audit's devDependencies are
 * the other gateways it compares).
 */
const PROJECT = resolve(__dirname, '../..');
/** Our own tsx runs the audit's TypeScript: its devDependencies (other gateways) are never installed. */
const TSX = pathToFileURL(require.resolve('tsx')).href;
const GATEWAY_PORT = 4000;
/** The audit's CLI uses Promise.withResolvers (Node 22); on older Node it gets this, by --import. */
const POLYFILL = `if (!Promise.withResolvers) Promise.withResolvers = function () {
  let resolve, reject;
  const promise = new this((a, b) => { resolve = a; reject = b; });
  return { promise, resolve, reject };
};
`;

interface SuiteResult {
  id: string;
  passed: number;
  total: number;
}

function args(): { checkout: string; modes: Array<'on' | 'off'> } {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--sharing');
  const sharing = i >= 0 ? argv[i + 1] : 'both';
  const checkout = argv.find((a, j) => !a.startsWith('--') && (i < 0 || j !== i + 1));
  if (!checkout || !['on', 'off', 'both'].includes(sharing ?? ''))
    throw new Error(
      `expected <checkout of graphql-hive/federation-gateway-audit> [--sharing on|off|both], received ${argv.join(' ')}`,
    );
  const dir = resolve(checkout);
  const pkg = join(dir, 'package.json');
  if (!existsSync(pkg) || !readFileSync(pkg, 'utf8').includes('"@graphql-hive/federation-gateway-audit"'))
    throw new Error(`expected ${dir} to be a checkout of graphql-hive/federation-gateway-audit (no such package.json)`);
  return { checkout: dir, modes: sharing === 'both' ? ['on', 'off'] : [sharing as 'on' | 'off'] };
}

/** Runs every suite with answer sharing on or off; the audit's results file, parsed. */
async function audit(checkout: string, sharing: 'on' | 'off'): Promise<SuiteResult[]> {
  const dir = mkdtempSync(join(tmpdir(), `hiregraph-audit-${sharing}-`));
  const polyfill = join(dir, 'polyfill.mjs');
  writeFileSync(polyfill, POLYFILL);
  const cli = (command: string) => `node --import "${polyfill}" --import "${TSX}" ./src/cli.ts ${command}`;
  const script = join(dir, 'run.sh');
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      `cd "${checkout}" && ${cli(`supergraph --cwd "${dir}" --test "$1"`)} >/dev/null || exit 1`,
      `cd "${PROJECT}" && exec node --import tsx scripts/federation-audit/gateway.ts "${dir}/supergraph.graphql" ${GATEWAY_PORT} ${sharing}`,
      '',
    ].join('\n'),
  );
  chmodSync(script, 0o755);
  const url = `http://127.0.0.1:${GATEWAY_PORT}`;
  const command = `${cli(`test --cwd "${dir}" --run-script ./run.sh --graphql ${url}/graphql --healthcheck ${url}/health`)}`;
  await new Promise<void>((ok, fail) => {
    // The audit waits 5 s for a suite's gateway by default; ours starts in about 8 s under tsx.
    const env = { ...process.env, GATEWAY_TIMEOUT: process.env.GATEWAY_TIMEOUT ?? '30000' };
    const child = spawn('sh', ['-c', command], { cwd: checkout, stdio: 'inherit', env });
    child.once('error', fail);
    child.once('exit', (code) =>
      code === 0 ? ok() : fail(new Error(`the audit exited with ${code}; logs in ${dir}/logs`)),
    );
  });
  const lines = readFileSync(join(dir, 'results.txt'), 'utf8').split('\n');
  const out: SuiteResult[] = [];
  for (let i = 0; i + 1 < lines.length && lines[i] !== ''; i += 2) {
    const marks = lines[i + 1]!;
    out.push({ id: lines[i]!, passed: [...marks].filter((m) => m === '.').length, total: marks.length });
  }
  return out;
}

function table(results: SuiteResult[], sharing: string, commit: string): string {
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const total = results.reduce((n, r) => n + r.total, 0);
  const failing = results.filter((r) => r.passed < r.total);
  return [
    `### Federation gateway audit, answer sharing ${sharing} (audit ${commit}, ${new Date().toISOString().slice(0, 10)})`,
    '',
    `${passed} of ${total} tests, ${results.length - failing.length} of ${results.length} suites fully passed.`,
    '',
    '| suite | passed | tests |',
    '| --- | --- | --- |',
    ...results.map((r) => `| ${r.id}${r.passed < r.total ? ' ❌' : ''} | ${r.passed} | ${r.total} |`),
  ].join('\n');
}

async function main(): Promise<void> {
  const { checkout, modes } = args();
  if (!existsSync(join(checkout, 'node_modules'))) {
    process.stdout.write(`installing the audit's dependencies in ${checkout} (npm ci --omit=dev)\n`);
    execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: checkout, stdio: 'inherit' });
  }
  // graphql is the audit's peer (listed with its devDependencies, so omitted above): ours serves.
  const graphql = join(checkout, 'node_modules', 'graphql');
  if (!existsSync(graphql)) symlinkSync(dirname(require.resolve('graphql/package.json')), graphql, 'dir');
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: checkout, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout: the table says so
  }
  const tables: string[] = [];
  let failed = 0;
  for (const sharing of modes) {
    const results = await audit(checkout, sharing);
    failed += results.reduce((n, r) => n + r.total - r.passed, 0);
    tables.push(table(results, sharing, commit));
  }
  process.stdout.write(`\n${tables.join('\n\n')}\n`);
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
