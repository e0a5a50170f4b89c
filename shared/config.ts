import { ConfigError } from './config-error';
import { credentialProblems } from './credentials';
import {
  bool,
  hostPorts,
  int,
  labels,
  oneOf,
  optStr,
  optUrl,
  origins,
  planLimits,
  port,
  production,
  ratio,
  str,
  subgraphUrl,
  Bad,
  type Env,
  type Parser,
} from './config-parsers';
import type { Plan, PlanLimits } from './plans';

export type { HostPort } from './config-parsers';

/**
 * Every environment variable Hiregraph reads, with its type and default, read once at startup.
 * loadConfig names every bad variable at once instead of failing on the first.
 * The table: variable name → how to read it (with its default).
 */
const TABLE = {
  /**
   * `development` (what `npm start` sets) allows the published development secrets; `production`
   * also turns introspection and the IDE off. Unset is neither: a real secret is required.
   */
  NODE_ENV: optStr,
  LOG_LEVEL: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, 'info'),
  MONGODB_URI: optStr,
  MONGODB_DB: str('hiregraph'),
  REDIS_URL: str('redis://127.0.0.1:6379'),
  /** Redis Sentinels (host:port,host:port): when set, every Redis client asks them for the primary and follows failovers; REDIS_URL then only gives password and db. */
  REDIS_SENTINELS: hostPorts,
  /** The primary's name in Sentinel (its `sentinel monitor` name). */
  REDIS_SENTINEL_NAME: str('mymaster'),
  /** Password of the Sentinels themselves, when they require one. */
  REDIS_SENTINEL_PASSWORD: optStr,
  DATA_DIR: str('./data'),
  JWT_SECRET: optStr,
  JWT_JWKS_URL: optUrl,
  JWT_ISSUER: optStr,
  JWT_AUDIENCE: optStr,
  /** Interface every server listens on; 0.0.0.0 in containers. */
  BIND_HOST: str('127.0.0.1'),
  GATEWAY_PORT: port(4000),
  TENANT_PORT: port(4001),
  CANDIDATE_PORT: port(4002),
  JOB_PORT: port(4003),
  ASSESSMENT_PORT: port(4004),
  /** The worker's /healthz and /readyz (its /metrics is on METRICS_PORT). */
  WORKER_PORT: port(4005),
  TENANT_URL: subgraphUrl('TENANT_PORT', 4001),
  CANDIDATE_URL: subgraphUrl('CANDIDATE_PORT', 4002),
  JOB_URL: subgraphUrl('JOB_PORT', 4003),
  ASSESSMENT_URL: subgraphUrl('ASSESSMENT_PORT', 4004),
  SUPERGRAPH_PATH: str('schema/supergraph.graphql'),
  INTROSPECTION: bool((env) => !production(env)),
  /** Serve the GraphQL IDE to browsers on the gateway's GET /graphql. */
  GRAPHQL_IDE: bool((env) => !production(env)),
  LLM_BASE_URL: optUrl,
  LLM_API_KEY: optStr,
  LLM_MODEL: str('gpt-4o-mini'),
  /** Per-call LLM timeout; a timed-out call is retried like a 5xx. */
  LLM_TIMEOUT_MS: int(30_000, 100, 600_000),
  /** How long an LLM agent's answer is kept in Redis for the same agent, rubric, model and input; 0 keeps none. Default 7 days. */
  LLM_CACHE_TTL_SECONDS: int(7 * 86_400, 0, 365 * 86_400),
  /** Prefix of every BullMQ key, so several deployments (or test files) can share one Redis. */
  QUEUE_PREFIX: str('hiregraph'),
  /** Jobs one worker process runs at the same time. */
  WORKER_CONCURRENCY: int(8, 1, 256),
  /** LLM agents' steps a worker runs at once, on their own queue: they mostly wait on the LLM. */
  LLM_WORKER_CONCURRENCY: int(16, 1, 1024),
  /** Attempts per step before it is FAILED (retries back off exponentially from STEP_BACKOFF_MS). */
  STEP_ATTEMPTS: int(3, 1, 20),
  STEP_BACKOFF_MS: int(1000, 10, 600_000),
  /** How often the reconciler re-enqueues QUEUED runs whose jobs are missing. */
  RECONCILE_INTERVAL_MS: int(15_000, 100, 3_600_000),
  /** How long a run may sit QUEUED or RUNNING without progress before the reconciler looks at it. */
  RECONCILE_AFTER_MS: int(10_000, 0, 86_400_000),
  /** A job whose worker stopped renewing its lock for this long is re-delivered to another worker. */
  JOB_LOCK_MS: int(30_000, 500, 3_600_000),
  /** How often a running agent checks whether its run was cancelled, so a cancel stops its LLM call. */
  CANCEL_CHECK_MS: int(500, 50, 60_000),
  /** Operation limits at the gateway (graphql-armor), for HTTP and WebSocket alike. */
  LIMIT_MAX_DEPTH: int(12, 1, 1000),
  /**
   * Demand control: the highest estimated cost an operation may have (the @cost/@listSize model,
   * see the README), unless its tenant's `maxQueryCost` says otherwise. Default 300000.
   */
  LIMIT_MAX_COST: int(300_000, 1, 1_000_000_000),
  LIMIT_MAX_ALIASES: int(15, 0, 10_000),
  LIMIT_MAX_DIRECTIVES: int(50, 0, 10_000),
  LIMIT_MAX_TOKENS: int(2000, 10, 1_000_000),
  /** Browser origins allowed to call the gateway (CORS); Apollo Studio's by default, so Sandbox works. */
  CORS_ORIGINS: origins(['https://studio.apollographql.com']),
  /** How long a gateway trusts a tenant's limits before asking the tenant subgraph again. */
  TENANT_LIMITS_CACHE_MS: int(10_000, 0, 3_600_000),
  /** Largest HTTP request body accepted, in bytes. */
  BODY_LIMIT_BYTES: int(1 << 20, 1024, 1 << 30),
  /** HTTP responses of at least this many bytes are compressed (Brotli or gzip, as the client accepts). */
  COMPRESSION_THRESHOLD_BYTES: int(1024, 0, 1 << 30),
  /**
   * Whether the gateway asks subgraphs for compressed answers. Off by default: on one host or a
   * LAN the CPU both ends spend costs more than the bytes save (bench/RESULTS.md).
   */
  SUBGRAPH_COMPRESSION: bool(() => false),
  /**
   * Whether identical concurrent queries of one caller (same token, document and variables) run
   * once at the gateway, and identical concurrent subgraph fetches (same subgraph, body and token)
   * are sent once. Never across tokens; never for mutations.
   */
  DEDUPLICATE_REQUESTS: bool(() => true),
  /**
   * Whether a subgraph answers a gateway that asks for Apollo's inline traces (the
   * `apollo-federation-include-trace: ftv1` header, sent by a router reporting to Apollo Studio).
   * Off by default: Hiregraph's gateway never asks (its traces are OpenTelemetry's), and a trace
   * times every field resolver of the request that asked for it.
   */
  SUBGRAPH_INLINE_TRACES: bool(() => false),
  /**
   * How subgraphs execute queries and mutations: `compiled` (graphql-jit compiles each operation
   * once into a function) or `graphql-js` (the reference interpreter). Subscriptions always run on
   * graphql-js, and so does everything when SUBGRAPH_INLINE_TRACES is on, since a trace times each
   * field through hooks only graphql-js calls.
   */
  SUBGRAPH_EXECUTOR: oneOf(['compiled', 'graphql-js'] as const, 'compiled'),
  /**
   * How the gateway runs query plans: `hiregraph` (its own executor, each operation's plan and
   * result shaping made once) or `apollo` (@apollo/gateway's executor, the same answers).
   */
  GATEWAY_EXECUTOR: oneOf(['hiregraph', 'apollo'] as const, 'hiregraph'),
  /**
   * Progressive override: the custom `@override(label:)` labels that are on (comma-separated); a
   * field overridden under one of them is resolved by its new subgraph. `percent(N)` labels need
   * no setting: N% of requests take the new subgraph. Default none.
   */
  OVERRIDE_LABELS: labels,
  /** Subscriptions one WebSocket connection may have open at once. */
  SUBSCRIPTIONS_PER_CONNECTION: int(50, 1, 10_000),
  /** Subscriptions one tenant may have open on one gateway at once. */
  SUBSCRIPTIONS_PER_TENANT: int(5000, 1, 1_000_000),
  /** Bytes waiting to be sent to one connection before it is closed as a slow consumer (4008). */
  SUBSCRIPTION_MAX_BUFFER_BYTES: int(1 << 20, 1024, 1 << 30),
  /** Events buffered per subscription, in the assessment subgraph and at the gateway, before it is ended as too slow (RATE_LIMITED). */
  SUBSCRIPTION_MAX_QUEUED_EVENTS: int(1000, 10, 1_000_000),
  /** Entries kept per tenant in the Redis event stream (approximately); a cursor older than that has expired. */
  EVENT_STREAM_MAXLEN: int(10_000, 100, 10_000_000),
  /** How often the assessment subgraph reads every followed event stream even without a doorbell (safety net). */
  EVENT_POLL_MS: int(5000, 50, 600_000),
  /** How often (and after how long a silence) per-run subscriptions are checked against MongoDB, one query per tenant, for events whose publish was lost. */
  EVENT_CATCHUP_MS: int(10_000, 50, 3_600_000),
  /** OTLP/HTTP collector base URL (e.g. http://otel-collector:4318); when set, every process exports traces there. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optUrl,
  /** service.name on spans; default hiregraph-<process> (hiregraph-gateway, hiregraph-worker, ...). */
  OTEL_SERVICE_NAME: optStr,
  /** Share of new traces kept (parent-based ratio sampling: a trace a caller sampled is always continued). */
  OTEL_TRACES_SAMPLER_ARG: ratio(1),
  // ---- credentials and metrics (issue 21)
  /**
   * HS256 secret (32+ characters, not JWT_SECRET) of the service tokens the worker signs for the
   * candidate and job subgraphs (audience hiregraph-internal, role service). Set for those
   * subgraphs and the worker only, never the gateway, which refuses service tokens. No default
   * outside NODE_ENV=development.
   */
  INTERNAL_JWT_SECRET: optStr,
  /** Longest a user's token may live: refused once its iat is older, or if its exp is further from its iat. Default 24 h. */
  JWT_MAX_AGE_SECONDS: int(86_400, 60, 30 * 86_400),
  /**
   * Base port of the Prometheus listeners (/metrics), never a public port: gateway +0, tenant +1,
   * candidate +2, job +3, assessment +4, worker +5 (so `npm start`'s servers do not collide);
   * 0 picks a free port for each. Default 9464.
   */
  METRICS_PORT: port(9464),
  // Roles and quotas (issue 21).
  /**
   * Each plan's limits, as JSON with any of requestsPerMinute, assessmentsPerHour, maxCandidates,
   * maxQueryCost (whole numbers 1..1000000000; the keys left out keep their default). A tenant
   * starts with its plan's limits and gets them again when a platform admin changes its plan; its
   * admin may only lower them. Defaults: FREE {"requestsPerMinute":120,"assessmentsPerHour":20,"maxCandidates":500}.
   */
  PLAN_LIMITS_FREE: planLimits('FREE'),
  /** Default {"requestsPerMinute":1200,"assessmentsPerHour":200,"maxCandidates":20000}. */
  PLAN_LIMITS_TEAM: planLimits('TEAM'),
  /** Default {"requestsPerMinute":12000,"assessmentsPerHour":2000,"maxCandidates":1000000}. */
  PLAN_LIMITS_ENTERPRISE: planLimits('ENTERPRISE'),
  /**
   * Share of its tenant's requestsPerMinute one user (token subject) may spend, rounded up, at least 1;
   * 1 turns the per-user budget off. Default 0.5.
   */
  RATE_LIMIT_USER_SHARE: ((raw, env) => {
    const share = ratio(0.5)(raw, env);
    if (share === 0) throw new Bad(`expected a share above 0 and at most 1, received "${raw}"`);
    return share;
  }) as Parser<number>,
  // Bounded reads (issue 21).
  /**
   * Largest answer to a query the gateway sends, in bytes of JSON. Default 16 MiB: about three
   * times the benchmark's deep query at full pages (100 jobs × 100 applications, each candidate's
   * 10 applications: ~5 MB), under the ~30 MB of text LIMIT_MAX_COST's 300,000 lets through (a
   * cost unit is ~100 characters). Over it the client gets BAD_USER_INPUT and no data, never part.
   */
  MAX_RESPONSE_BYTES: int(16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  /** assessmentEvents(after:) replays the tenant's stream this many entries per read (XRANGE COUNT), each page sent before the next is read. */
  EVENT_REPLAY_PAGE: int(100, 1, 10_000),
  /** Most events one assessmentEvents(after:) replays; a cursor further behind is refused (BAD_USER_INPUT) and the client resumes with a fresh subscribe. */
  EVENT_REPLAY_MAX: int(5000, 1, 10_000_000),
  // ---- operations (issue 22)
  /**
   * Longest the gateway waits for a subgraph's whole answer to one fetch: query-plan fetches,
   * subscription events' entity fetches, tenant limits reads (readiness probes wait the smaller of it and
   * 2 s). The caller then gets INTERNAL_SERVER_ERROR for that subgraph's part. Default 15000:
   * under SHUTDOWN_TIMEOUT_MS's 20 s, so a request in flight when a gateway stops still gets an
   * answer, and ~60 times the slowest whole query the benchmarks measure (bench/RESULTS.md).
   */
  SUBGRAPH_TIMEOUT_MS: int(15_000, 100, 600_000),
  /** SIGTERM: how long to wait for running jobs and requests before exiting anyway. */
  SHUTDOWN_TIMEOUT_MS: int(20_000, 100, 600_000),
} as const;

export type Config = { [K in keyof typeof TABLE]: ReturnType<(typeof TABLE)[K]> } & {
  production: boolean;
  /** NODE_ENV=development: the published development secrets are allowed. */
  development: boolean;
};

export {
  DEV_INTERNAL_JWT_SECRET,
  DEV_JWT_SECRET,
  INTERNAL_AUDIENCE,
  internalJwtSecret,
  jwtSecret,
} from './credentials';
/** Each plan's configured limits (PLAN_LIMITS_<PLAN>). */
export function planLimitsOf(config: Config): Record<Plan, PlanLimits> {
  return { FREE: config.PLAN_LIMITS_FREE, TEAM: config.PLAN_LIMITS_TEAM, ENTERPRISE: config.PLAN_LIMITS_ENTERPRISE };
}

export { ConfigError };

export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, parse] of Object.entries(TABLE)) {
    try {
      out[name] = (parse as Parser<unknown>)(env[name], env);
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
    }
  }
  problems.push(...credentialProblems(out, env));
  if (problems.length) throw new ConfigError(problems);
  return {
    ...(out as Omit<Config, 'production' | 'development'>),
    production: production(env),
    development: env.NODE_ENV === 'development',
  };
}

export type MetricsOf = 'gateway' | 'tenant' | 'candidate' | 'job' | 'assessment' | 'worker';
const METRICS_OFFSET: Record<MetricsOf, number> = {
  gateway: 0,
  tenant: 1,
  candidate: 2,
  job: 3,
  assessment: 4,
  worker: 5,
};

/** Where a process's /metrics listens: METRICS_PORT plus the process's offset, or 0 (any free port). */
export function metricsPort(config: Config, of: MetricsOf): number {
  return config.METRICS_PORT === 0 ? 0 : config.METRICS_PORT + METRICS_OFFSET[of];
}
