import WebSocket from 'ws';
import { EVENTS_SEQ, runProgress } from '../support/queries';
import { useRunHarness } from '../support/runs';
import { collect, wsClient } from '../support/ws-client';

/**
 * graphql-ws abuse on a raw socket: each misbehaving client is closed with the protocol's code,
 * and a well-behaved client on the same gateway is served right after.
 */
// No worker: the one run stays QUEUED, which is all a SNAPSHOT needs.
const h = useRunHarness({ BODY_LIMIT_BYTES: String(64 * 1024) }, {}, { workers: 0 });
let token: string;
let wsUrl: string;
let assessmentId: string;
beforeAll(async () => {
  token = h.token;
  wsUrl = h.t.stack.gateway.url.replace(/^http/, 'ws');
  assessmentId = (await h.start({ agents: ['skills'] })).data!.startAssessment.id;
});

/** A raw graphql-transport-ws socket, open, with every message and the close recorded. */
async function rawSocket(): Promise<{
  ws: WebSocket;
  messages: Array<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
}> {
  const ws = new WebSocket(wsUrl, 'graphql-transport-ws');
  const messages: Array<Record<string, unknown>> = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages, closed };
}

/** Sends connection_init and waits for connection_ack. */
async function init(s: Awaited<ReturnType<typeof rawSocket>>): Promise<void> {
  s.ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await new Promise<void>((resolve, reject) => {
    const check = () => (s.messages.some((m) => m.type === 'connection_ack') ? resolve() : undefined);
    s.ws.on('message', check);
    s.closed.then((c) => reject(new Error(`closed before ack: ${c.code} ${c.reason}`)), reject);
    check();
  });
}

/** A normal client still gets a query over HTTP and a subscription's first event (its SNAPSHOT) over the socket. */
async function othersAreServed(): Promise<void> {
  const q = await h.t.gql<{ tenant: { id: string } }>('{ tenant { id } }', {}, token);
  expect(q.data?.tenant.id).toBeDefined();
  const client = wsClient(h.t.stack.gateway.url, token);
  try {
    type Ev = { assessmentProgress: { type: string; assessment: { id: string } } };
    let first!: () => void;
    const answered = new Promise<void>((resolve) => (first = resolve));
    const sub = collect<Ev>(client, runProgress('type assessment { id }'), { id: assessmentId }, () => first());
    // The server's answer: the first event, or an error or completion that ends the subscription.
    await Promise.race([answered, sub.done]);
    sub.stop();
    expect(sub.errors).toEqual([]);
    expect(sub.events[0]?.assessmentProgress).toEqual({ type: 'SNAPSHOT', assessment: { id: assessmentId } });
  } finally {
    await client.dispose();
  }
}

test('a subscribe before connection_init is closed 4401', async () => {
  const s = await rawSocket();
  s.ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: EVENTS_SEQ } }));
  expect((await s.closed).code).toBe(4401);
  await othersAreServed();
});

test('a bad token in connection_init is closed 4403; a second connection_init 4429', async () => {
  const bad = await rawSocket();
  bad.ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer nope' } }));
  expect((await bad.closed).code).toBe(4403);
  const twice = await rawSocket();
  await init(twice);
  twice.ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  expect((await twice.closed).code).toBe(4429);
  await othersAreServed();
});

test.each([
  ['not JSON', '{ this is not json'],
  ['JSON without a type', '{"id":"1"}'],
  ['an unknown type', '{"type":"hello"}'],
  ['a subscribe without a payload', '{"id":"1","type":"subscribe"}'],
  ['binary garbage', Buffer.from([0, 159, 146, 150, 255])],
])('%s is closed 4400', async (_what, frame) => {
  const s = await rawSocket();
  await init(s);
  s.ws.send(frame);
  expect((await s.closed).code).toBe(4400);
  await othersAreServed();
});

test('a duplicate subscription id is closed 4409', async () => {
  const s = await rawSocket();
  await init(s);
  const sub = { id: 'same', type: 'subscribe', payload: { query: EVENTS_SEQ } };
  s.ws.send(JSON.stringify(sub));
  s.ws.send(JSON.stringify(sub));
  expect((await s.closed).code).toBe(4409);
  await othersAreServed();
});

test('a frame over BODY_LIMIT_BYTES is closed 1009 (message too big) without being read', async () => {
  const s = await rawSocket();
  await init(s);
  s.ws.send(
    JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `subscription { ${'a'.repeat(100 * 1024)} }` } }),
  );
  expect((await s.closed).code).toBe(1009);
  await othersAreServed();
});

test('a flood of pings and refused subscribes on one socket: the socket keeps to the limits, others are served', async () => {
  const s = await rawSocket();
  await init(s);
  for (let i = 0; i < 500; i++) s.ws.send(JSON.stringify({ type: 'ping' }));
  for (let i = 0; i < 200; i++)
    s.ws.send(
      JSON.stringify({
        id: `s${i}`,
        type: 'subscribe',
        payload: { query: EVENTS_SEQ },
      }),
    );
  await othersAreServed();
  // Every ping was answered, and at most SUBSCRIPTIONS_PER_CONNECTION (50) subscribes were taken.
  const pongs = () => s.messages.filter((m) => m.type === 'pong').length;
  const refused = () => s.messages.filter((m) => m.type === 'error').length;
  await new Promise<void>((resolve) => {
    const check = () => (pongs() === 500 && refused() === 150 ? resolve() : undefined);
    s.ws.on('message', check);
    check();
  });
  expect(
    s.messages
      .filter((m) => m.type === 'error')
      .every((m) => (m.payload as Array<{ extensions?: { code?: string } }>)[0]?.extensions?.code === 'RATE_LIMITED'),
  ).toBe(true);
  s.ws.close(1000);
  await s.closed;
});
