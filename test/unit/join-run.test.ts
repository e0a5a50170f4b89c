import fc from 'fast-check';
import type { ExecutionResult } from 'graphql';
import { PushIterator } from '../../gateway/subscriptions/push-iterator';
import { joinRun, sharingOf } from '../../gateway/subscriptions/stream-sharing';

const ev = (seq: number): ExecutionResult => ({ data: { seq } });
const seqOf = (r: ExecutionResult) => (r.data as { seq?: number } | undefined)?.seq;
const turn = () => new Promise((r) => setImmediate(r));

/**
 * A run's events 1..n. The subscriber's own subscription starts at `start` (its SNAPSHOT's seq, or
 * the afterSeq it replays from) and carries every later event; the shared stream carries every
 * event from some `joined` on: at most start + 1 for a subscriber that joins it as it subscribes,
 * anything for one that had it attached later (the run's first viewer, when a second comes). The
 * two arrive interleaved in any order; the subscriber must see `start` and its successors exactly
 * once, in order.
 */
test('whatever the interleaving, a joiner delivers every seq after its start once, in order', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 12 }).chain((n) =>
        fc.record({
          n: fc.constant(n),
          start: fc.integer({ min: 0, max: n }),
          joined: fc.integer({ min: 1, max: n + 1 }),
          attachAfter: fc.integer({ min: 0, max: 4 }),
          order: fc.array(fc.boolean(), { minLength: 2 * n + 2, maxLength: 2 * n + 2 }),
        }),
      ),
      async ({ n, start, joined, attachAfter, order }) => {
        const own = new PushIterator(() => undefined, 1000);
        const shared = new PushIterator(() => undefined, 1000);
        const ownQueue = [ev(start), ...Array.from({ length: n - start }, (_, i) => ev(start + 1 + i))];
        const sharedQueue = Array.from({ length: n - joined + 1 }, (_, i) => ev(joined + i));
        const j = joinRun(own, seqOf, 1000);
        const got: number[] = [];
        const reading = (async () => {
          for await (const r of j.iterator) got.push(seqOf(r)!);
        })();
        let step = 0;
        for (const pickOwn of order) {
          if (step++ === attachAfter) j.attach(shared);
          if ((pickOwn || !sharedQueue.length) && ownQueue.length) own.push(ownQueue.shift()!);
          else if (sharedQueue.length) shared.push(sharedQueue.shift()!);
          await turn();
        }
        if (!j.attached) j.attach(shared);
        for (const r of ownQueue) own.push(r);
        for (const r of sharedQueue) shared.push(r);
        own.end();
        shared.end();
        await reading;
        expect(got).toEqual(Array.from({ length: n - start + 1 }, (_, i) => start + i));
      },
    ),
    { numRuns: 300 },
  );
});

test('leaving while waiting on either source takes effect at once and closes both', async () => {
  for (const attach of [false, true]) {
    let ownClosed = false;
    let sharedClosed = false;
    const own = new PushIterator(() => (ownClosed = true), 10);
    const shared = new PushIterator(() => (sharedClosed = true), 10);
    const j = joinRun(own, seqOf, 10);
    own.push(ev(5));
    if (attach) {
      j.attach(shared);
      shared.push(ev(6));
    }
    expect(seqOf((await j.iterator.next()).value as ExecutionResult)).toBe(5);
    if (attach) expect(seqOf((await j.iterator.next()).value as ExecutionResult)).toBe(6);
    const waiting = j.iterator.next();
    await j.iterator.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(ownClosed).toBe(true);
    expect(sharedClosed).toBe(attach);
  }
});

test('a shared stream that ends while the subscriber is still on its own changes nothing', async () => {
  const own = new PushIterator(() => undefined, 10);
  const shared = new PushIterator(() => undefined, 10);
  const j = joinRun(own, seqOf, 10);
  j.attach(shared);
  own.push(ev(3));
  shared.push({ errors: [] }); // a result without data: skipped
  shared.end(new Error('the shared upstream failed'));
  await turn();
  own.push(ev(4));
  own.end();
  const got: number[] = [];
  for await (const r of j.iterator) got.push(seqOf(r)!);
  expect(got).toEqual([3, 4]);
});

test('a subscriber that does not read is bounded on the shared stream too: the queued events, then RATE_LIMITED', async () => {
  let left = false;
  const own = new PushIterator(() => undefined, 5);
  const shared = new PushIterator(() => (left = true), 5);
  const j = joinRun(own, seqOf, 5);
  j.attach(shared);
  own.push(ev(1));
  expect(seqOf((await j.iterator.next()).value as ExecutionResult)).toBe(1);
  for (let seq = 2; seq <= 12; seq++) {
    shared.push(ev(seq));
    await turn();
  }
  expect(left).toBe(true);
  const got: number[] = [];
  const failure = await (async () => {
    try {
      for await (const r of j.iterator) got.push(seqOf(r)!);
    } catch (err) {
      return err as { extensions?: { code?: string } };
    }
  })();
  expect(got).toEqual([2, 3, 4, 5, 6]);
  expect(failure?.extensions?.code).toBe('RATE_LIMITED');
});

test('what may share is read from the primary operation once: live-only without arguments, per run with a variable start', () => {
  expect(sharingOf('subscription { assessmentEvents { seq } }').kind).toBe('live');
  expect(sharingOf('subscription($a: String) { assessmentEvents(after: $a) { seq } }').kind).toBe('none');
  expect(sharingOf('subscription { e: assessmentEvents { seq } }').kind).toBe('live');
  const run = sharingOf('subscription($id: ID!, $s: Int) { p: assessmentProgress(id: $id, afterSeq: $s) { type } }');
  expect(run.kind).toBe('run');
  if (run.kind !== 'run') return;
  expect(run.run).toMatchObject({ responseKey: 'p', fromVariable: 's' });
  expect(run.run.operation).toMatch(/_hiregraphSeq: seq/);
  expect(sharingOf('subscription($id: ID!) { assessmentProgress(id: $id, afterSeq: 3) { type } }').kind).toBe('none');
  expect(sharingOf('subscription($id: ID!) { assessmentProgress(id: $id) { _hiregraphSeq: type } }').kind).toBe('none');
});
