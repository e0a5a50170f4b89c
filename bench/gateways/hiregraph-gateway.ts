import { readFileSync } from 'node:fs';
import { loadConfig } from '../../shared/config';
import { startGateway } from '../../gateway/server';

/**
 * Hiregraph's gateway as `gateway/` builds it, over the benchmark's supergraph: token check,
 * operation limits, demand control, metrics and a log line per operation. The bearer token has no
 * tenant, so tenant limits and rate limits (which need Hiregraph's tenant subgraph) do not apply.
 */
async function main(): Promise<void> {
  const [supergraphPath, port] = process.argv.slice(2);
  const config = loadConfig({ ...process.env, NODE_ENV: 'production', JWT_SECRET: process.env.JWT_SECRET });
  const gateway = await startGateway({
    config,
    port: Number(port),
    subgraphUrls: {},
    supergraphSdl: readFileSync(supergraphPath!, 'utf8'),
  });
  // A clean exit on SIGTERM, so `--cpu-prof` writes its profile.
  process.once('SIGTERM', () => void gateway.close().finally(() => process.exit(0)));
  process.stdout.write(`ready ${gateway.url}\n`);
}

void main();
