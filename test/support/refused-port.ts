import { connect, createServer, type Socket } from 'node:net';

/**
 * A dependency that is down: every connection to `host:port` is refused (ECONNREFUSED), for as
 * long as the test holds it, whatever else runs on the machine. The one place tests get such an
 * address.
 *
 * Why not "listen on port 0, read the port, close it": once closed, the kernel hands that port to
 * the next process asking for a free one (another Jest worker's gateway, a redis-server), and the
 * "down" dependency answers. Why not a fixed port such as 1: nothing stops a process listening there.
 * Why not a listener of ours that drops every connection: that is a dependency that is up and
 * hangs up (ECONNRESET), which tests meaning "down" do not claim.
 *
 * How: the local port of a TCP connection we keep open to a listener of our own. While that
 * connection lives the port is ours: binding it fails with EADDRINUSE for anyone, so the kernel
 * never offers it as free; and nothing listens on it, so a connect is refused.
 */
export interface RefusedPort {
  host: string;
  port: number;
  /** `scheme://host:port` followed by `path`, e.g. url('redis') or url('http', '/graphql'). */
  url(scheme: string, path?: string): string;
  close(): Promise<void>;
}

export async function holdRefusedPort(): Promise<RefusedPort> {
  const host = '127.0.0.1';
  const accepted: Socket[] = [];
  const anchor = createServer((s) => {
    s.on('error', () => undefined);
    accepted.push(s);
  });
  await new Promise<void>((resolve, reject) => {
    anchor.once('error', reject);
    anchor.listen(0, host, () => resolve());
  });
  const client = connect((anchor.address() as { port: number }).port, host);
  client.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const port = client.localPort!;
  return {
    host,
    port,
    url: (scheme, path = '') => `${scheme}://${host}:${port}${path}`,
    async close() {
      client.destroy();
      for (const s of accepted) s.destroy();
      await new Promise<void>((resolve) => anchor.close(() => resolve()));
    },
  };
}
