import type { Config } from '../../shared/config';
import { schemaIn } from '../../shared/graphql/entities';
import { EntityClient } from '../../shared/graphql/entity-client';
import { TenantRateLimiter } from '../../shared/rate-limits';
import type { SubgraphDefinition } from '../../shared/graphql/subgraph-server';
import { createLogger } from '../../shared/logger';
import { closeRedis, redisConnection, redisTarget } from '../../shared/redis';
import { availableAgents } from './agents/registry';
import { EventHub } from './events/event-hub';
import { EventHealer } from './events/healer';
import { EventRelay } from './events/relay';
import { createLoaders } from './store/loaders';
import { RunQueue, runQueueOptions } from './engine/queue';
import { AssessmentRepository } from './store/repository';
import { resolvers, type AssessmentContext } from './graph/resolvers';
import { RunService } from './graph/runs';
import { usageFor } from '../../shared/mongo/tenant-counts';
import { assessmentUsage } from './store/stats';

export interface AssessmentSubgraphOptions {
  config: Config;
  /** Owners of the entities a run refers to (CANDIDATE_URL, JOB_URL) and of tenants' limits (TENANT_URL). */
  candidateUrl: string;
  jobUrl: string;
  tenantUrl: string;
}

/** The assessment subgraph: assessments, their runs, and the fields they add to candidates and jobs. */
export function assessmentSubgraph(opts: AssessmentSubgraphOptions): SubgraphDefinition<AssessmentContext> {
  const { config } = opts;
  const redis = redisConnection(redisTarget(config), 'producer');
  const queue = new RunQueue(runQueueOptions(config, redis));
  const relay = new EventRelay({
    redis,
    prefix: config.QUEUE_PREFIX,
    log: createLogger('assessment', config.LOG_LEVEL),
    maxLen: config.EVENT_STREAM_MAXLEN,
  });
  const agents = availableAgents(config);
  // Both retry forever: a subscription waits out a Redis outage and catches up after it.
  const subscriber = redisConnection(redisTarget(config), 'worker');
  const reader = redisConnection(redisTarget(config), 'worker');
  const hub = new EventHub({
    subscriber,
    reader,
    prefix: config.QUEUE_PREFIX,
    log: createLogger('assessment', config.LOG_LEVEL),
    maxBuffered: config.SUBSCRIPTION_MAX_QUEUED_EVENTS,
    pollMs: config.EVENT_POLL_MS,
    replay: { page: config.EVENT_REPLAY_PAGE, max: config.EVENT_REPLAY_MAX },
  });
  const healer = new EventHealer({
    silenceMs: config.EVENT_CATCHUP_MS,
    log: createLogger('assessment', config.LOG_LEVEL),
  });
  const events = { healer, streamMaxLen: config.EVENT_STREAM_MAXLEN };
  const runs = new RunService({
    queue,
    relay,
    agents,
    candidateOwner: new EntityClient(opts.candidateUrl, 'Candidate'),
    jobOwner: new EntityClient(opts.jobUrl, 'Job'),
    tenantOwner: new EntityClient(opts.tenantUrl, 'Tenant'),
    rates: new TenantRateLimiter(redis, config.QUEUE_PREFIX),
  });
  return {
    name: 'assessment',
    typeDefs: schemaIn(__dirname),
    resolvers,
    ensureIndexes: AssessmentRepository.ensureIndexes,
    context(base, db) {
      const assessments = (access: Parameters<typeof base.tenant>[0]) =>
        new AssessmentRepository(db, base.tenant(access));
      return {
        ...base,
        assessments,
        runs,
        agents,
        hub,
        events,
        loaders: createLoaders(
          () => assessments('read'),
          base.observeBatch,
          (ids) =>
            usageFor(base.principal(), ids, { assessments: 0, assessmentsLast30Days: 0 }, (t) =>
              assessmentUsage(db, t),
            ),
          base.reads,
        ),
      };
    },
    subscriptions: true,
    async close() {
      await queue.close();
      await closeRedis(redis);
      hub.close();
      healer.close();
      await closeRedis(subscriber);
      await closeRedis(reader);
    },
  };
}
