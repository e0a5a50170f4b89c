import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * The subscribers of the subscription benchmark, in their own process so their cost is not
 * counted against the gateway. Driven over IPC: 'open' → 'ready', 'report' → latency samples and
 * the subscriptions that ended in an error.
 */
interface Open {
  kind: 'open';
  url: string;
  token: string;
  n: number;
  query: string;
  variables: Array<Record<string, unknown>>;
}

const clients: Client[] = [];
let latencies: number[] = [];
let received = 0;
/** Subscriptions that ended in an error, with the first error's text: a round with any is not a measurement. */
let failed = 0;
let firstError = '';

function onEvent(data: unknown): void {
  const root = data as Record<string, { at: string; type: string }>;
  const ev = Object.values(root)[0]!;
  if (ev.type === 'SNAPSHOT') return;
  received++;
  latencies.push(Date.now() - Date.parse(ev.at));
}

async function open(msg: Open): Promise<void> {
  const wsUrl = msg.url.replace(/^http/, 'ws');
  for (let i = 0; i < msg.n; i += 200) {
    const batch = [];
    for (let k = i; k < Math.min(msg.n, i + 200); k++) {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${msg.token}` },
        lazy: false,
        retryAttempts: 0,
      });
      clients.push(client);
      batch.push(
        new Promise<void>((resolve) => {
          let first = true;
          client.subscribe(
            { query: msg.query, variables: msg.variables[k % msg.variables.length] },
            {
              next: (r) => {
                if (first) {
                  first = false;
                  resolve();
                }
                onEvent(r.data);
              },
              error: (err: unknown) => {
                failed++;
                firstError ||= JSON.stringify(err).slice(0, 300);
                resolve();
              },
              complete: () => resolve(),
            },
          );
          // assessmentEvents sends nothing until an event: count the subscription as open once connected.
          client.on('connected', () =>
            setTimeout(() => {
              if (first) {
                first = false;
                resolve();
              }
            }, 50),
          );
        }),
      );
    }
    await Promise.all(batch);
  }
}

process.on('message', (m: { kind: string }) => {
  if (m.kind === 'open') void open(m as Open).then(() => process.send!({ kind: 'ready' }));
  if (m.kind === 'report') {
    process.send!({ kind: 'report', latencies, received, failed, firstError });
    latencies = [];
    received = 0;
    failed = 0;
    firstError = '';
  }
  if (m.kind === 'close') void Promise.all(clients.map((c) => c.dispose())).then(() => process.exit(0));
});
