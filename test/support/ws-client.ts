import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Collected<T> {
  events: T[];
  errors: unknown[];
  done: Promise<void>;
  closeCode?: number;
  stop(): void;
}

/** A graphql-ws client to a gateway URL with a bearer token in connection_init. */
export function wsClient(httpUrl: string, token: string | undefined, onClose?: (code: number) => void): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
    on: { closed: (e) => onClose?.((e as { code: number }).code) },
  });
}

/** Subscribes and collects every result until the server completes it (or it errors, or stop()). */
export function collect<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
  onEvent?: (e: T) => void,
): Collected<T> {
  const out: Collected<T> = { events: [], errors: [], done: Promise.resolve(), stop: () => undefined };
  out.done = new Promise<void>((resolve) => {
    const dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (r) => {
          if (r.errors) out.errors.push(...r.errors);
          if (r.data) {
            out.events.push(r.data as T);
            onEvent?.(r.data as T);
          }
        },
        error: (e) => {
          if (Array.isArray(e)) out.errors.push(...e);
          else out.errors.push(e);
          resolve();
        },
        complete: () => resolve(),
      },
    );
    out.stop = () => {
      dispose();
      resolve();
    };
  });
  return out;
}
