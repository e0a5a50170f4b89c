import { cpus, totalmem } from 'node:os';
import { benchCompression } from './compression';
import { benchCost } from './cost';
import { benchExecutor } from './executor';
import { benchGateways } from './gateways/run';
import { benchGraph } from './graph';
import { benchPages } from './pages';
import { benchRuns } from './runs';
import { benchStack } from './stack';
import { benchSubscriptions } from './subscriptions';
import { benchTracing } from './tracing';

const BENCHES: Record<string, () => Promise<string>> = {
  compression: benchCompression,
  cost: benchCost,
  executor: () => benchExecutor(),
  gateways: () => benchGateways(),
  graph: benchGraph,
  pages: benchPages,
  runs: benchRuns,
  stack: () => benchStack(),
  subscriptions: benchSubscriptions,
  tracing: benchTracing,
};

/** `npm run bench [-- name…]`: the benchmarks (all by default), printed as Markdown for bench/RESULTS.md. */
async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => a in BENCHES);
  const names = wanted.length ? wanted : Object.keys(BENCHES);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
  process.stdout.write(`Machine: ${machine}\n\n`);
  for (const name of names) process.stdout.write(`${await BENCHES[name]!()}\n\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
