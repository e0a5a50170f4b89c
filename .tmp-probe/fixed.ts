import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { loadConfig } from '../shared/config';
import { freePort, localRedis } from '../scripts/local-redis';
import { TEST_ENV } from '../test/support/secrets';
import { cpuSplit } from '../bench/gateways/processes';
import { seedDashboard, DASHBOARD_QUERY } from '../bench/stack/dashboard';
import { distinctTokens } from '../bench/stack/load';
import { startHiregraphGateway, startSubgraphsProcess } from '../bench/stack/processes';

async function main() {
  const children: ChildProcess[] = [];
  const redis = await localRedis(loadConfig({ ...TEST_ENV, REDIS_URL: `redis://127.0.0.1:${await freePort()}` }));
  try {
    const dbName = `probe_${randomBytes(4).toString('hex')}`;
    const env = { ...TEST_ENV, NODE_ENV: 'production', LOG_LEVEL: 'info', MONGODB_DB: dbName, REDIS_URL: redis.url, QUEUE_PREFIX: 'probe' };
    const sub = await startSubgraphsProcess(env, children);
    const tenantId = await seedDashboard(sub.mongoUri, dbName);
    const gw = await startHiregraphGateway({ ...env, DEDUPLICATE_REQUESTS: 'false', ...(process.env.SEMI ? { NODE_OPTIONS: `--max-semi-space-size=${process.env.SEMI}` } : {}), ...(process.env.EXEC ? { GATEWAY_EXECUTOR: process.env.EXEC } : {}) }, sub.urls, children);
    for (const [label, query] of [['dashboard', DASHBOARD_QUERY]] as const) {
      for (const round of [1, 2]) {
        const tokens = await distinctTokens(tenantId, 15000);
        let next = 0;
        const run = (seconds: number) => autocannon({ url: gw.url, method: 'POST', connections: 8, duration: seconds, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }),
          requests: [{ setupRequest: (req) => ({ ...req, headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[next++]}` } }) }] });
        await run(3);
        const a = cpuSplit(gw.child.pid!);
        const r = await run(8);
        await new Promise((r) => setTimeout(r, 1500));
        const b = cpuSplit(gw.child.pid!);
        const n = r.requests.sent;
        console.log(`${label} r${round}: ${(r.requests.total / 8).toFixed(0)} req/s, gateway CPU ${(((b.user - a.user + b.system - a.system) * 1000) / n).toFixed(2)} ms/req (kernel ${(((b.system - a.system) * 1000) / n).toFixed(2)}), non2xx ${r.non2xx}, errors ${r.errors}`);
      }
    }
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await redis.close();
  }
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
