import { runSuite } from '../support/cli';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { closeRedis, redisConnection } from '../../shared/redis';
import { obliterateQueue } from '../../subgraphs/assessment/engine/queue';
import { REAL_REDIS_URL } from '../support/runs';
import { startTestStack } from '../support/stack';
import { everyPathOnce, isolationProperty } from './isolation';
import {
  digestOfB,
  operationsProperty,
  prepareTarget,
  rawHttpProperty,
  tokensProperty,
  type Target,
} from './properties';
import { TEST_JWT_SECRET } from '../support/secrets';

/**
 * `npm run fuzz -- [--runs N] [--seed S]`: the hostile-input properties of the test suite, run
 * longer against a fresh stack (embedded MongoDB or MONGODB_URI, Redis at REDIS_URL). Prints each
 * property's runs and outcomes, then `N passed, N failed`.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '2000' }, seed: { type: 'string' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a whole number above 0, received ${values.runs}`);
  const seed = values.seed === undefined ? Date.now() | 0 : Number(values.seed);
  const prefix = `hgfuzz-${randomBytes(4).toString('hex')}`;
  const t = await startTestStack({ QUEUE_PREFIX: prefix, TENANT_LIMITS_CACHE_MS: '0' });
  let passed = 0;
  let failed = 0;
  try {
    const target: Target = await prepareTarget(t, TEST_JWT_SECRET);
    const before = await digestOfB(target);
    const properties: Array<[string, () => Promise<fc.IAsyncPropertyWithHooks<never>>, number]> = [
      ['operations from the schema', () => operationsProperty(target) as never, runs],
      ['updateTenant', () => operationsProperty(target, { only: ['updateTenant'] }) as never, Math.ceil(runs / 4)],
      ['raw HTTP', async () => rawHttpProperty(target) as never, runs],
      ['tokens', () => tokensProperty(target) as never, Math.ceil(runs / 2)],
    ];
    process.stdout.write(`seed ${seed}\n\n| property | runs | result | ms |\n| --- | --- | --- | --- |\n`);
    for (const [name, make, n] of properties) {
      const started = Date.now();
      const out = await fc.check(await make(), { numRuns: n, seed });
      const ok = !out.failed;
      if (ok) passed++;
      else failed++;
      process.stdout.write(`| ${name} | ${out.numRuns} | ${ok ? 'held' : 'FAILED'} | ${Date.now() - started} |\n`);
      if (!ok) process.stdout.write(`\n${fc.defaultReportMessage(out) ?? ''}\n\n`);
    }
    const isolated = (await digestOfB(target)) === before;
    if (isolated) passed++;
    else failed++;
    process.stdout.write(`| the other tenant unchanged | 1 | ${isolated ? 'held' : 'FAILED'} | |\n`);
    // Last: both tenants create entities in it.
    const started = Date.now();
    const iso = await fc.check(isolationProperty(target), {
      numRuns: Math.ceil(runs / 20),
      seed,
      examples: [[everyPathOnce()]],
    });
    if (iso.failed) failed++;
    else passed++;
    process.stdout.write(
      `| tenant isolation (sequences) | ${iso.numRuns} | ${iso.failed ? 'FAILED' : 'held'} | ${Date.now() - started} |\n\n`,
    );
    if (iso.failed) process.stdout.write(`${fc.defaultReportMessage(iso) ?? ''}\n\n`);
    process.stdout.write(`outcomes: ${[...target.outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  } finally {
    const redis = redisConnection(REAL_REDIS_URL, 'worker');
    await obliterateQueue(redis, prefix).catch(() => undefined);
    await closeRedis(redis);
    await t.close();
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed ? 1 : 0;
}

runSuite('fuzz', main);
