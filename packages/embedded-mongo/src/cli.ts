import { parseArgs } from 'node:util';
import { EmbeddedMongo } from './server';

/** `npm run mongo -- [--port N] [--data DIR] [--no-fsync]`: the embedded server alone, for mongosh, Compass or tests. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '27017' },
      data: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      'no-fsync': { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a whole number from 0 to 65535, got ${values.port}\n`);
    process.exit(2);
  }
  const server = await EmbeddedMongo.start({
    port,
    host: values.host,
    dataDir: values.data,
    fsync: !values['no-fsync'],
  });
  process.stdout.write(`${server.uri}\n`);
  process.stderr.write(
    `embedded MongoDB listening (${values.data ? `data in ${values.data}` : 'in memory only'}); Ctrl-C stops it\n`,
  );
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`embedded MongoDB failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
