import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { endAtTokenExpiry } from '../../gateway/subscriptions/token-lifetime';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** An event source that yields when told to, and records whether it was returned. */
function manualSource() {
  const waiting: Array<(r: IteratorResult<ExecutionResult>) => void> = [];
  const source = {
    returned: 0,
    next: () => new Promise<IteratorResult<ExecutionResult>>((resolve) => waiting.push(resolve)),
    return: async (): Promise<IteratorResult<ExecutionResult>> => {
      source.returned++;
      for (const w of waiting.splice(0)) w({ done: true, value: undefined });
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return source;
}

async function* counting(n: number): AsyncGenerator<ExecutionResult> {
  for (let i = 0; i < n; i++) yield { data: { i } };
}

const expiredError = () => new GraphQLError('token expired', { extensions: { code: 'UNAUTHENTICATED' } });

describe('endAtTokenExpiry', () => {
  it('rejects the pending next() with the expiry error at exp, returns the source and ends once', async () => {
    const source = manualSource();
    let ended = 0;
    const it = endAtTokenExpiry(source, new Date(Date.now() + 30), expiredError, () => ended++);
    await expect(it.next()).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(source.returned).toBe(1);
    // Every later next() says the same; the end was counted once.
    await expect(it.next()).rejects.toMatchObject({ message: 'token expired' });
    await it.return!();
    expect(ended).toBe(1);
  });

  it('passes events through and ends once when the source completes', async () => {
    let ended = 0;
    const it = endAtTokenExpiry(counting(3), new Date(Date.now() + 60_000), expiredError, () => ended++);
    const seen: unknown[] = [];
    for await (const r of it) seen.push(r.data);
    expect(seen).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(ended).toBe(1);
    await it.return!();
    expect(ended).toBe(1);
  });

  it('without an expiry only counts the end', async () => {
    let ended = 0;
    const it = endAtTokenExpiry(counting(2), undefined, expiredError, () => ended++);
    expect((await it.next()).value).toEqual({ data: { i: 0 } });
    await it.return!();
    expect(ended).toBe(1);
  });

  // Regression: racing every next() against one promise pending until exp kept a reaction per
  // event alive for the token's lifetime, about 40 MiB per 100,000 events on a dashboard subscription.
  it('retains no memory per event while the token is still valid', async () => {
    const events = 100_000;
    const it = endAtTokenExpiry(counting(events + 1_000), new Date(Date.now() + 3_600_000), expiredError, () => {});
    for (let i = 0; i < 1_000; i++) await it.next();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < events; i++) await it.next();
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(grown).toBeLessThan(2 * 2 ** 20);
    await it.return!();
  });
});
