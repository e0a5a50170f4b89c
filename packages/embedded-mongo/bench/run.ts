import { cpus, totalmem } from 'node:os';
import { benchEmbeddedMongo } from './embedded';

/** `npm run bench` in this package (or `npm run bench -- mongo` at the root): printed as Markdown for bench/RESULTS.md. */
async function main(): Promise<void> {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
  process.stdout.write(`Machine: ${machine}\n\n${await benchEmbeddedMongo()}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
