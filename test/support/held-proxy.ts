import { closeOnce } from '../../shared/graphql/close';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP hop in front of a server that holds every request until the test releases it,
 * so a test can have a request provably in flight when something else happens.
 */
export interface HeldProxy {
  url: string;
  /** Requests that have arrived and are being held. */
  held(): number;
  /** Forwards everything held now and everything that arrives later. */
  release(): void;
  /** Each forwarded exchange's Accept-Encoding asked and Content-Encoding answered. */
  exchanges: Array<{ acceptEncoding: string; contentEncoding: string }>;
  close(): Promise<void>;
}

/** @param hold which requests to hold, by body (default: every one); the others go straight through. */
export async function startHeldProxy(
  targetUrl: string,
  hold: (body: string) => boolean = () => true,
): Promise<HeldProxy> {
  const target = new URL(targetUrl);
  let released = false;
  const waiting: Array<() => void> = [];
  const exchanges: HeldProxy['exchanges'] = [];
  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: target.host },
      },
      (r) => {
        exchanges.push({
          acceptEncoding: String(req.headers['accept-encoding'] ?? ''),
          contentEncoding: String(r.headers['content-encoding'] ?? ''),
        });
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => {
      res.statusCode = 502;
      res.end();
    });
    up.end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const go = () => forward(req, body, res);
      if (released || !hold(body.toString('utf8'))) go();
      else waiting.push(go);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    held: () => waiting.length,
    exchanges,
    release() {
      released = true;
      for (const go of waiting.splice(0)) go();
    },
    close: closeOnce(
      () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    ),
  };
}
