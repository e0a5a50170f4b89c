import type { CommandStartedEvent, MongoClient } from 'mongodb';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Latency buckets in seconds, shared by every duration histogram. */
export const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One registry per server, so several servers can live in one process (npm start, tests). */
export interface Metrics {
  registry: Registry;
  mongoCommands: Counter<'command' | 'collection'>;
  /** GraphQL operations by name, type and outcome code ("OK" or the first error's code). */
  operations: Histogram<'operation' | 'type' | 'code'>;
  /** HTTP requests by method, path and status. */
  httpRequests: Histogram<'method' | 'path' | 'status'>;
  /** Keys per DataLoader batch, by loader. */
  loaderBatches: Histogram<'loader'>;
  /** The `operation` label for a client-chosen operation name, from a bounded set. */
  operationLabel(name: string | null | undefined): string;
}

/**
 * Maps client-chosen values onto a bounded label set: the first `max` distinct values keep their
 * own label, every later one is "other", so no client can grow the metrics without bound.
 */
export function boundedLabel(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}

/**
 * @param maxOperationNames distinct operation names that get a label of their own; default 200
 */
export function createMetrics(service: string, withDefaults = true, maxOperationNames = 200): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (withDefaults) collectDefaultMetrics({ register: registry });
  const mongoCommands = new Counter({
    name: 'hiregraph_mongodb_commands_total',
    help: "MongoDB commands sent, by command and collection (from the driver's command monitoring)",
    labelNames: ['command', 'collection'] as const,
    registers: [registry],
  });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets = SECONDS) =>
    new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });
  const operations = histogram(
    'hiregraph_graphql_operation_duration_seconds',
    'GraphQL operations, by operation name, type and outcome code',
    ['operation', 'type', 'code'] as const,
  );
  const httpRequests = histogram(
    'hiregraph_http_request_duration_seconds',
    'HTTP requests, by method, path and status',
    ['method', 'path', 'status'] as const,
  );
  const loaderBatches = histogram(
    'hiregraph_dataloader_batch_size',
    'Keys per DataLoader batch (one MongoDB query each), by loader',
    ['loader'] as const,
    [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
  );
  const names = boundedLabel(maxOperationNames);
  // Only names the server parsed out of a document reach here, so they are GraphQL names; still cut long ones.
  const operationLabel = (name: string | null | undefined) => (name ? names(name.slice(0, 64)) : 'anonymous');
  return { registry, mongoCommands, operations, httpRequests, loaderBatches, operationLabel };
}

const IGNORED = new Set([
  'hello',
  'isMaster',
  'ismaster',
  'ping',
  'endSessions',
  'buildInfo',
  'saslStart',
  'saslContinue',
]);

/** Counts every command the client sends (the client must be created with monitorCommands: true). */
export function countMongoCommands(client: MongoClient, counter: Metrics['mongoCommands']): void {
  client.on('commandStarted', (e: CommandStartedEvent) => {
    if (IGNORED.has(e.commandName)) return;
    const target = e.commandName === 'getMore' ? e.command.collection : e.command[e.commandName];
    counter.inc({ command: e.commandName, collection: typeof target === 'string' ? target : '' });
  });
}

/**
 * The driver's connection pool as gauges (connections checked out, the pool's size limit) and a
 * counter of checkouts that failed (timed out waiting for a connection): what pool exhaustion looks like.
 */
export function observeMongoPool(client: MongoClient, registry: Registry, maxPoolSize: number): void {
  const inUse = new Gauge({
    name: 'hiregraph_mongodb_pool_checked_out',
    help: 'MongoDB connections checked out of the pool right now',
    registers: [registry],
  });
  new Gauge({
    name: 'hiregraph_mongodb_pool_max',
    help: "The MongoDB pool's size limit (maxPoolSize)",
    registers: [registry],
  }).set(maxPoolSize);
  const failed = new Counter({
    name: 'hiregraph_mongodb_pool_checkout_failures_total',
    help: 'MongoDB connection checkouts that failed, e.g. timed out waiting for a free connection',
    registers: [registry],
  });
  client.on('connectionCheckedOut', () => inUse.inc());
  client.on('connectionCheckedIn', () => inUse.dec());
  client.on('connectionCheckOutFailed', () => failed.inc());
}
