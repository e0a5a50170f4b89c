import type { Client } from 'graphql-ws';

/** An upstream graphql-ws client lent to one subscription; `release` once it ends (safe to call twice). */
export interface Upstream {
  client: Client;
  release(): void;
}

/** Opens a graphql-ws client to a subgraph whose connection_init sends what `params` returns when it connects. */
export type OpenClient = (service: string, params: () => Record<string, unknown>) => Client;

interface Entry {
  client: Client;
  users: number;
  /** The newest borrower's token and request id: what the socket authenticates with when it (re)connects. */
  params: Record<string, unknown>;
}

/**
 * One graphql-ws socket per subgraph and tenant on this gateway, carrying every subscription of
 * that tenant's callers, each with its own token in its subscribe message (the subgraph runs it as
 * that caller). Without it, every dashboard connection opened a socket of its own to the
 * assessment subgraph: an upgrade, a graphql-ws session and keep-alive pings per viewer on both
 * sides. A tenant's subscriptions never ride another tenant's socket. A socket closes when its
 * last subscription is released.
 */
export class UpstreamPool {
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  constructor(private readonly open: OpenClient) {}

  /** Lends the socket of `service` for `tenant`, opening it (lazily, at the first subscribe) if needed. */
  acquire(service: string, tenant: string, authorization: string | undefined, requestId: string): Upstream {
    if (this.closed) throw new Error('the upstream pool is closed');
    const key = `${service}\n${tenant}`;
    let entry = this.entries.get(key);
    const params = { authorization, 'x-request-id': requestId };
    if (!entry) {
      const created: Entry = { client: undefined as unknown as Client, users: 0, params };
      created.client = this.open(service, () => created.params);
      this.entries.set(key, (entry = created));
    }
    // The socket connects at its first subscribe, as the newest borrower.
    entry.params = params;
    entry.users++;
    const lent = entry;
    let released = false;
    return {
      client: lent.client,
      release: () => {
        if (released) return;
        released = true;
        if (--lent.users > 0) return;
        if (this.entries.get(key) === lent) this.entries.delete(key);
        void lent.client.dispose();
      },
    };
  }

  /** Sockets currently open or opening (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  /** Closes every socket. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    const clients = [...this.entries.values()].map((e) => e.client);
    this.entries.clear();
    await Promise.allSettled(clients.map((c) => c.dispose()));
  }
}
