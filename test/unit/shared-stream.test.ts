import type { ExecutionResult } from 'graphql';
import { PushIterator } from '../../gateway/subscriptions/push-iterator';
import { SharedStream } from '../../gateway/subscriptions/shared-stream';

/** A source whose events are released by the test, counting how many the stream pulled (each pull = one plan execution). */
function source() {
  const state = { pulled: 0, returned: false, release: (): void => undefined };
  async function* gen(): AsyncGenerator<ExecutionResult> {
    try {
      for (let i = 1; ; i++) {
        await new Promise<void>((r) => {
          state.release = r;
        });
        state.pulled++;
        yield { data: { n: i } };
      }
    } finally {
      state.returned = true;
    }
  }
  return { state, gen: gen() };
}

/** A shared stream over a fresh source, counting how often it stopped its upstream. */
function sharedStream(maxQueued?: number) {
  const { state, gen } = source();
  const counts = { stopped: 0 };
  const stream = new SharedStream({
    source: gen,
    stop: () => {
      counts.stopped++;
    },
    onIdle: () => undefined,
    maxQueued,
  });
  return { state, stream, counts };
}

const tick = () => new Promise((r) => setImmediate(r));

async function feed(state: { release: () => void }, n: number) {
  for (let i = 0; i < n; i++) {
    await tick();
    state.release();
  }
  await tick();
}

test('a subscriber that overflows gets RATE_LIMITED after what was queued; being the last, the upstream stops and nothing more is pulled', async () => {
  const { state, stream, counts } = sharedStream(3);
  const slow = stream.join();
  await feed(state, 4);
  expect(counts.stopped).toBe(1);
  expect(state.returned).toBe(true);
  const pulledAtStop = state.pulled;
  expect(pulledAtStop).toBe(4);
  const got: unknown[] = [];
  await expect(
    (async () => {
      for await (const r of slow) got.push(r.data);
    })(),
  ).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
  expect(got).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  state.release();
  await tick();
  expect(state.pulled).toBe(pulledAtStop);
  expect(stream.size).toBe(0);
});

test('one subscriber overflowing leaves the others their stream', async () => {
  const { state, stream, counts } = sharedStream(2);
  const slow = stream.join();
  const fast = stream.join();
  const seen: unknown[] = [];
  const reading = (async () => {
    for await (const r of fast) {
      seen.push(r.data);
      if (seen.length === 5) break;
    }
  })();
  await feed(state, 5);
  await reading;
  expect(seen).toEqual([1, 2, 3, 4, 5].map((n) => ({ n })));
  await expect(
    slow
      .next()
      .then(() => slow.next())
      .then(() => slow.next()),
  ).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
  // fast left by break (return) after the fifth: now nobody is joined and the upstream is stopped.
  expect(counts.stopped).toBe(1);
});

test('the opener leaving does not stop a stream others still read', async () => {
  const { state, stream, counts } = sharedStream();
  const opener = stream.join();
  const other = stream.join();
  await opener.return();
  await feed(state, 1);
  expect(await other.next()).toEqual({ value: { data: { n: 1 } }, done: false });
  expect(counts.stopped).toBe(0);
  await other.return();
  expect(counts.stopped).toBe(1);
});

test('return() ends a waiting consumer at once and is safe twice', async () => {
  let left = 0;
  const it = new PushIterator(() => {
    left++;
  });
  const waiting = it.next();
  await it.return();
  await it.return();
  expect(await waiting).toEqual({ value: undefined, done: true });
  expect(left).toBe(1);
});

test("fetches run with the newest remaining subscriber's authorization", async () => {
  const { gen } = source();
  const stream = new SharedStream({ source: gen, stop: () => undefined, onIdle: () => undefined });
  const a = stream.join('Bearer a');
  const b = stream.join('Bearer b');
  expect(stream.authorization()).toBe('Bearer b');
  await b.return();
  expect(stream.authorization()).toBe('Bearer a');
  await a.return();
  expect(stream.authorization()).toBeUndefined();
});
