import { MongoClient } from 'mongodb';
import { signToken } from '../shared/auth';
import { jwtSecret, planLimitsOf } from '../shared/config';
import { CleanupStack } from '../shared/cleanup-stack';
import { createLogger } from '../shared/logger';
import type { Config } from '../shared/config';
import { startStack } from './stack';
import { seedDemo } from './demo-data';
import { startWorker } from '../subgraphs/assessment/engine/worker';
import { localMongo } from './local-mongo';
import { localRedis } from './local-redis';

/**
 * `npm start`: MongoDB (embedded under DATA_DIR unless MONGODB_URI), Redis (REDIS_URL, or a private
 * redis-server), the four subgraphs, the gateway and a worker in this process, demo data on an
 * empty database, and a printout to get going.
 */
export async function startAll(config: Config): Promise<{ close(): Promise<void> }> {
  const log = createLogger('start', config.LOG_LEVEL);
  if (!config.JWT_SECRET && !config.JWT_JWKS_URL)
    log.warn('JWT_SECRET is not set: using the development secret; never do this in production');
  const mongo = await localMongo(config);
  // Closed last-in-first-out: the worker, then the graph, then Redis and MongoDB.
  const steps = new CleanupStack();
  steps.defer(() => mongo.close());
  try {
    const redis = await localRedis(config);
    steps.defer(() => redis.close());
    const cfg = { ...config, REDIS_URL: redis.url };
    const stack = await startStack({ config: cfg, mongoUri: mongo.uri });
    steps.defer(() => stack.close());
    const worker = await startWorker({
      config: cfg,
      mongoUri: mongo.uri,
      candidateUrl: stack.subgraphs.candidate.url,
      jobUrl: stack.subgraphs.job.url,
    });
    steps.defer(() => worker.close());
    const client = await MongoClient.connect(mongo.uri);
    const { tenant, created } = await seedDemo(client.db(config.MONGODB_DB), planLimitsOf(config)).finally(() =>
      client.close(),
    );
    const secret = jwtSecret(config);
    const token = secret
      ? await signToken(
          secret,
          { sub: 'demo-admin', tid: tenant._id.toHexString(), roles: ['admin'] },
          { expiresIn: `${Math.min(12 * 3600, config.JWT_MAX_AGE_SECONDS)}s` },
        )
      : '(JWKS configured: bring your own token)';
    const url = `http://localhost:${stack.gateway.port}/graphql`;
    process.stdout.write(
      [
        '',
        `Hiregraph is running${created ? ' (demo tenant "demo" created)' : ''}.`,
        `  GraphQL:  ${url}`,
        `  IDE:      ${url} (open in a browser)`,
        `  MongoDB:  ${config.MONGODB_URI ? 'MONGODB_URI' : `${mongo.uri} (embedded, data in ${config.DATA_DIR}/mongo)`}`,
        `  Redis:    ${redis.url}${redis.url === config.REDIS_URL ? '' : ' (private redis-server; nothing persisted)'}`,
        `  Worker:   ${config.WORKER_CONCURRENCY} concurrent steps; agents: ${config.LLM_BASE_URL ? 'built-in + LLM' : 'built-in (set LLM_BASE_URL for the LLM agents)'}`,
        '',
        `Admin token for the demo tenant (${Math.round(Math.min(12 * 3600, config.JWT_MAX_AGE_SECONDS) / 360) / 10} h):`,
        `  ${token}`,
        '',
        'A first query (paste into a shell):',
        `  TOKEN=${token}`,
        `  curl -s ${url} -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\`,
        `    -d '{"query":"{ tenant { name } jobs { edges { node { title applications { edges { node { stage candidate { name skills } } } } } } } }"}'`,
        '',
        'Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
    return { close: () => steps.close() };
  } catch (err) {
    await steps.close().catch(() => undefined);
    throw err;
  }
}
