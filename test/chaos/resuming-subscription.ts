import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** Something the load saw go wrong, and when. */
export interface Failure {
  at: number;
  what: string;
  error: string;
}

/** A resuming subscriber's pause before it tries the next gateway. */
const RESUME_BACKOFF_MS = 300;

/** Subscribes on some gateway and, whenever the connection ends without completing, resumes on another. */
export function resumingSubscription(
  gateways: string[],
  token: string,
  query: () => { query: string; variables: Record<string, unknown> },
  onData: (data: Record<string, unknown>) => boolean,
  stopped: () => boolean,
  failures: Failure[],
  what: string,
): Promise<void> {
  return (async () => {
    let attempt = 0;
    for (;;) {
      if (stopped()) return;
      const url = gateways[attempt++ % gateways.length]!.replace(/^http/, 'ws');
      const client: Client = createClient({
        url,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        lazy: true,
      });
      const finished = await new Promise<boolean>((resolve) => {
        let over = false;
        const stop = setInterval(() => {
          if (stopped()) {
            over = true;
            dispose();
            resolve(true);
          }
        }, 200);
        const dispose = client.subscribe(query(), {
          next: (r) => {
            if (r.errors?.length)
              failures.push({ at: Date.now(), what, error: JSON.stringify(r.errors).slice(0, 200) });
            else if (r.data && onData(r.data as Record<string, unknown>)) {
              over = true;
              dispose();
            }
          },
          error: () => {
            clearInterval(stop);
            resolve(over);
          },
          complete: () => {
            clearInterval(stop);
            resolve(true);
          },
        });
      });
      await client.dispose();
      if (finished) return;
      // The gateway went away (or refused while a dependency was down): resume on the next one,
      // after the short backoff a real client takes so a dead cluster is not hammered.
      await sleep(RESUME_BACKOFF_MS);
    }
  })();
}
