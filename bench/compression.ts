import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { MongoClient } from 'mongodb';
import { EmbeddedMongo } from '@hiregraph/embedded-mongo';
import { signToken } from '../shared/auth';
import { loadConfig } from '../shared/config';
import { startGateway } from '../gateway/server';
import { startStack } from '../scripts/stack';
import { postRaw } from '../test/support/raw-post';
import { seed } from './graph';
import { fmt, percentile, table } from './stats';
import { TEST_ENV, TEST_JWT_SECRET } from '../test/support/secrets';

/** The README's dashboard: 30 jobs, their first 10 applications, each candidate's applications and their jobs. */
const DASHBOARD =
  '{ jobs(first: 30) { edges { node { title applications(first: 10) { edges { node { stage candidate { name applications { stage job { title } } } } } } } } } }';
const ROUNDS = 300;

const post = (url: string, token: string, acceptEncoding: string) => postRaw(url, token, DASHBOARD, acceptEncoding);

/**
 * Bytes and CPU per request of the dashboard answer (30 jobs × 10 applications, about 80 KB) with
 * and without compression at the gateway, and with the gateway–subgraph hop compressed. Every
 * process runs in this one (gateway, subgraphs, embedded MongoDB), so CPU per request is the
 * whole stack's; every answer is decompressed and checked identical to the uncompressed one.
 */
export async function benchCompression(): Promise<string> {
  const mongo = await EmbeddedMongo.start();
  const config = loadConfig({
    ...TEST_ENV,
    MONGODB_DB: 'bench_compression',
    LOG_LEVEL: 'silent',
    QUEUE_PREFIX: 'bench-compression',
  });
  const stack = await startStack({ config, mongoUri: mongo.uri, randomPorts: true });
  const compressedHop = await startGateway({
    config: { ...config, SUBGRAPH_COMPRESSION: true },
    port: 0,
    subgraphUrls: Object.fromEntries(Object.entries(stack.subgraphs).map(([k, s]) => [k, s.url])),
  });
  const rows: Array<Array<string | number>> = [];
  const alone: Array<Array<string | number>> = [];
  try {
    const client = await MongoClient.connect(mongo.uri);
    const tenantId = await seed(client.db(config.MONGODB_DB), 300);
    await client.close();
    const token = await signToken(TEST_JWT_SECRET, {
      sub: 'bench',
      tid: tenantId,
      roles: ['viewer'],
    });
    const reference = (await post(stack.gateway.url, token, 'identity')).text;
    if (!reference.includes('"jobs"') || reference.includes('"errors"'))
      throw new Error(`bad answer: ${reference.slice(0, 300)}`);
    // What compressing this one answer costs by itself, without the rest of the stack's noise.
    const body = Buffer.from(reference);
    for (const [label, fn] of [
      ['gzip, level 6 (used)', () => gzipSync(body, { level: 6 })],
      ['Brotli, quality 4 (used)', () => brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })],
      ['Brotli, quality 11 (zlib default)', () => brotliCompressSync(body)],
    ] as const) {
      for (let i = 0; i < 5; i++) fn();
      const times: number[] = [];
      let size = 0;
      for (let i = 0; i < 50; i++) {
        const t = performance.now();
        size = fn().length;
        times.push(performance.now() - t);
      }
      alone.push([label, body.length, size, fmt(percentile(times, 50))]);
    }
    const variants = [
      { label: 'none', url: stack.gateway.url, accept: 'identity', hop: 'plain' },
      { label: 'gzip', url: stack.gateway.url, accept: 'gzip', hop: 'plain' },
      { label: 'br', url: stack.gateway.url, accept: 'br, gzip', hop: 'plain' },
      { label: 'none', url: compressedHop.url, accept: 'identity', hop: 'br (SUBGRAPH_COMPRESSION)' },
      { label: 'br', url: compressedHop.url, accept: 'br, gzip', hop: 'br (SUBGRAPH_COMPRESSION)' },
    ];
    for (const v of variants) for (let i = 0; i < 20; i++) await post(v.url, token, v.accept); // warm-up
    for (const v of variants) {
      const latencies: number[] = [];
      let bytes = 0;
      let encoding = '';
      const cpu = process.cpuUsage();
      for (let i = 0; i < ROUNDS; i++) {
        const t = performance.now();
        const r = await post(v.url, token, v.accept);
        latencies.push(performance.now() - t);
        bytes = r.wire.length;
        encoding = r.encoding || 'none';
        if (i % 50 === 0 && r.text !== reference) throw new Error(`${v.label}/${v.hop}: the answer differs`);
      }
      const used = process.cpuUsage(cpu);
      rows.push([
        encoding,
        v.hop,
        bytes,
        fmt((used.user + used.system) / 1000 / ROUNDS),
        fmt(percentile(latencies, 50)),
        fmt(percentile(latencies, 99)),
      ]);
    }
  } finally {
    await compressedHop.close();
    await stack.close();
    await mongo.close();
  }
  return [
    `### Compression: the dashboard answer (30 jobs × 10 applications), ${ROUNDS} sequential requests each`,
    '',
    table(
      ['to the client', 'gateway ← subgraphs', 'bytes sent', 'CPU ms / request (whole stack)', 'p50 ms', 'p99 ms'],
      rows,
    ),
    '',
    'Compressing that answer alone (50 times each, p50):',
    '',
    table(['encoder', 'bytes in', 'bytes out', 'ms'], alone),
  ].join('\n');
}
