import { Inflight } from '../../gateway/sharing/inflight';

/** Work that settles when the test says so, counting how often it was started. */
function gate<T>() {
  let settle!: { resolve: (v: T) => void; reject: (e: Error) => void };
  const work = jest.fn(
    () =>
      new Promise<T>((resolve, reject) => {
        settle = { resolve, reject };
      }),
  );
  return { work, settle: () => settle };
}

test('identical concurrent calls run the work once and all get its value; other keys run their own', async () => {
  let shared = 0;
  const inflight = new Inflight<string>(() => shared++);
  const a = gate<string>();
  const b = gate<string>();
  const calls = [
    inflight.run('a', a.work),
    inflight.run('a', a.work),
    inflight.run('a', a.work),
    inflight.run('b', b.work),
  ];
  await Promise.resolve();
  expect([a.work.mock.calls.length, b.work.mock.calls.length, shared, inflight.size]).toEqual([1, 1, 2, 2]);
  a.settle().resolve('A');
  b.settle().resolve('B');
  expect(await Promise.all(calls)).toEqual(['A', 'A', 'A', 'B']);
  expect(inflight.size).toBe(0);
});

test('nothing is cached: a call after the work settled starts it again', async () => {
  const inflight = new Inflight<number>();
  let runs = 0;
  expect(await inflight.run('k', async () => ++runs)).toBe(1);
  expect(await inflight.run('k', async () => ++runs)).toBe(2);
});

test('a failure reaches every waiter, and the next call tries again', async () => {
  const inflight = new Inflight<string>();
  const g = gate<string>();
  const calls = [1, 2, 3].map(() => inflight.run('k', g.work));
  await Promise.resolve();
  g.settle().reject(new Error('subgraph down'));
  const outcomes = await Promise.allSettled(calls);
  expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : 'fulfilled'))).toEqual([
    'subgraph down',
    'subgraph down',
    'subgraph down',
  ]);
  expect(await inflight.run('k', async () => 'back')).toBe('back');
});

test('a waiter that aborts stops waiting; the work goes on and the others get its value, the first caller included', async () => {
  const inflight = new Inflight<string>();
  const g = gate<string>();
  const first = new AbortController();
  const second = new AbortController();
  const calls = [
    inflight.run('k', g.work, first.signal),
    inflight.run('k', g.work, second.signal),
    inflight.run('k', g.work),
  ];
  await Promise.resolve();
  second.abort(new Error('client went away'));
  await expect(calls[1]).rejects.toThrow('client went away');
  g.settle().resolve('answer');
  expect(await calls[0]).toBe('answer');
  expect(await calls[2]).toBe('answer');
  expect(g.work).toHaveBeenCalledTimes(1);
  // Already aborted: refused at once, without starting anything.
  const gone = new AbortController();
  gone.abort(new Error('gone'));
  await expect(inflight.run('other', g.work, gone.signal)).rejects.toThrow('gone');
});
