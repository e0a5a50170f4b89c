import { CleanupStack } from '../../shared/cleanup-stack';

test('close runs the steps last-in-first-out, awaiting each before the next', async () => {
  const stack = new CleanupStack();
  const ran: string[] = [];
  for (const name of ['mongo', 'redis', 'server']) {
    stack.defer(async () => {
      await Promise.resolve();
      ran.push(`${name} start`);
      await new Promise<void>((r) => setImmediate(r));
      ran.push(`${name} end`);
    });
  }
  await stack.close();
  expect(ran).toEqual(['server start', 'server end', 'redis start', 'redis end', 'mongo start', 'mongo end']);
});

test('a step that throws does not stop the others; its error is what close rejects with', async () => {
  const stack = new CleanupStack();
  const ran: string[] = [];
  const boom = new Error('redis would not close');
  stack.defer(() => ran.push('first'));
  stack.defer(() => {
    throw boom;
  });
  stack.defer(() => ran.push('last'));
  await expect(stack.close()).rejects.toBe(boom);
  expect(ran).toEqual(['last', 'first']);
});

test('several failures are reported together, in the order they happened', async () => {
  const stack = new CleanupStack();
  const a = new Error('a');
  const b = new Error('b');
  stack.defer(() => Promise.reject(a));
  stack.defer(() => Promise.reject(b));
  const err: unknown = await stack.close().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AggregateError);
  expect((err as AggregateError).errors).toEqual([b, a]);
});

test('closing twice, or concurrently, runs each step once and gives both callers the outcome', async () => {
  const stack = new CleanupStack();
  let runs = 0;
  stack.defer(() => runs++);
  const [first, second] = [stack.close(), stack.close()];
  expect(second).toBe(first);
  await first;
  await stack.close();
  expect(runs).toBe(1);

  const failing = new CleanupStack();
  const boom = new Error('boom');
  failing.defer(() => Promise.reject(boom));
  await expect(failing.close()).rejects.toBe(boom);
  await expect(failing.close()).rejects.toBe(boom);
});

test('an empty stack closes', async () => {
  await expect(new CleanupStack().close()).resolves.toBeUndefined();
});
