import { startGateway, type RunningGateway } from '../../gateway/server';
import { startHeldProxy, type HeldProxy } from '../support/held-proxy';
import { postRaw } from '../support/raw-post';
import { seedJobsWithApplicants } from '../support/seed-graph';
import { startTestStack, type TestStack } from '../support/stack';

/** Response compression at the gateway and the subgraphs, and the gateway–subgraph hop. */
let t: TestStack;
let token: string;
const cleanup: Array<() => Promise<void>> = [];
beforeAll(async () => {
  t = await startTestStack({ COMPRESSION_THRESHOLD_BYTES: '1024' });
  cleanup.push(() => t.close());
  token = (await seedJobsWithApplicants(t, 6, 3)).token;
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

const DASHBOARD =
  '{ jobs(first: 30) { edges { node { title applications(first: 10) { edges { node { stage candidate { name applications { stage job { title } } } } } } } } } }';

const post = async (url: string, query: string, acceptEncoding: string) => {
  const r = await postRaw(url, token, query, acceptEncoding);
  return { ...r, wire: r.wire.length };
};

test('the gateway answers a large result in Brotli or gzip as the client prefers, a small one as it is', async () => {
  const plain = await post(t.stack.gateway.url, DASHBOARD, 'identity');
  expect([plain.status, plain.encoding]).toEqual([200, '']);
  expect(JSON.parse(plain.text).data.jobs.edges).toHaveLength(6);
  expect(plain.wire).toBeGreaterThan(1024);
  const br = await post(t.stack.gateway.url, DASHBOARD, 'gzip, deflate, br');
  const gzip = await post(t.stack.gateway.url, DASHBOARD, 'gzip');
  expect([br.encoding, gzip.encoding]).toEqual(['br', 'gzip']);
  expect(br.text).toBe(plain.text);
  expect(gzip.text).toBe(plain.text);
  expect(br.wire).toBeLessThan(plain.wire / 4);
  // Caches in between must key the answer by what the client accepts.
  expect([plain.vary, br.vary, gzip.vary].map((v) => /accept-encoding/i.test(v))).toEqual([true, true, true]);
  // Weights count: a client refusing Brotli gets gzip, one refusing both gets the answer as it is.
  expect((await post(t.stack.gateway.url, DASHBOARD, 'br;q=0, gzip')).encoding).toBe('gzip');
  expect((await post(t.stack.gateway.url, DASHBOARD, 'gzip;q=0, br;q=0')).encoding).toBe('');
  const small = await post(t.stack.gateway.url, '{ tenant { id } }', 'br, gzip');
  expect(small.encoding).toBe('');
  expect(small.wire).toBeLessThan(1024);
});

test('subgraphs compress for a client that asks; the gateway asks them only with SUBGRAPH_COMPRESSION', async () => {
  const direct = await post(
    t.stack.subgraphs.job.url,
    '{ jobs(first: 30) { edges { node { title description requiredSkills applications(first: 10) { edges { node { stage createdAt } } } } } } }',
    'gzip',
  );
  expect([direct.status, direct.encoding]).toEqual([200, 'gzip']);

  const proxies: Record<'off' | 'on', HeldProxy> = {
    off: await startHeldProxy(t.stack.subgraphs.job.url),
    on: await startHeldProxy(t.stack.subgraphs.job.url),
  };
  const gateways: Record<'off' | 'on', RunningGateway> = {} as never;
  for (const mode of ['off', 'on'] as const) {
    proxies[mode].release();
    cleanup.push(() => proxies[mode].close());
    const urls = Object.fromEntries(Object.entries(t.stack.subgraphs).map(([k, s]) => [k, s.url]));
    gateways[mode] = await startGateway({
      config: { ...t.config, SUBGRAPH_COMPRESSION: mode === 'on' },
      port: 0,
      subgraphUrls: { ...urls, job: proxies[mode].url },
    });
    cleanup.push(() => gateways[mode].close());
  }
  const reference = (await post(t.stack.gateway.url, DASHBOARD, 'identity')).text;
  for (const mode of ['off', 'on'] as const) {
    const r = await post(gateways[mode].url, DASHBOARD, 'identity');
    expect(r.text).toBe(reference);
  }
  const hop = (mode: 'off' | 'on') => proxies[mode].exchanges.filter((e) => e.acceptEncoding !== '');
  expect(hop('off').length).toBeGreaterThan(0);
  expect(new Set(hop('off').map((e) => `${e.acceptEncoding}→${e.contentEncoding}`))).toEqual(new Set(['identity→']));
  // The job subgraph's answer for the 6 jobs' pages is above the threshold: it comes back in Brotli.
  expect(hop('on').every((e) => e.acceptEncoding === 'br, gzip')).toBe(true);
  expect(hop('on').some((e) => e.contentEncoding === 'br')).toBe(true);
});
