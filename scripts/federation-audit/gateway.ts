import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { signToken } from '../../shared/auth';
import { loadConfig } from '../../shared/config';
import { startGateway } from '../../gateway/server';

/**
 * One suite's gateway for the federation audit (`npm run audit:federation`): Hiregraph's gateway as
 * `gateway/` builds it over the suite's supergraph (token check, operation limits, demand control,
 * answer sharing as asked), behind the port the audit calls, which adds a viewer's token to every
 * request (the audit sends none) and answers its health check from the gateway's /healthz.
 *
 * Usage: gateway.ts <supergraph.graphql> <port> <on|off>
 */
async function main(): Promise<void> {
  const [supergraphPath, port, sharing] = process.argv.slice(2);
  if (!supergraphPath || !port || (sharing !== 'on' && sharing !== 'off'))
    throw new Error(`expected <supergraph.graphql> <port> <on|off>, received ${process.argv.slice(2).join(' ')}`);
  const secret = randomBytes(32).toString('hex');
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'production',
    JWT_SECRET: secret,
    DEDUPLICATE_REQUESTS: String(sharing === 'on'),
    METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
  });
  const gateway = await startGateway({
    config,
    port: 0,
    subgraphUrls: {},
    supergraphSdl: readFileSync(supergraphPath, 'utf8'),
  });
  const authorization = `Bearer ${await signToken(secret, { sub: 'federation-audit', roles: ['viewer'] })}`;
  const target = new URL(gateway.url);

  const forward = (req: IncomingMessage, res: ServerResponse, path: string, headers: Record<string, unknown>) => {
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path, headers: headers as never },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`the gateway did not answer: ${err.message}`);
    });
    req.pipe(upstream);
  };
  const front = createServer((req, res) => {
    if (req.url?.startsWith('/health')) forward(req, res, '/healthz', {});
    else forward(req, res, req.url ?? '/graphql', { ...req.headers, authorization });
  });
  await new Promise<void>((resolve) => front.listen(Number(port), '127.0.0.1', resolve));
  const stop = () =>
    void Promise.allSettled([new Promise((r) => front.close(r)), gateway.close()]).finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`ready http://127.0.0.1:${port}/graphql (sharing ${sharing})\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
