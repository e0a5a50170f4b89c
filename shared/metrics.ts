import type { CommandStartedEvent, MongoClient } from 'mongodb';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

/** One registry per server, so several servers can live in one process (npm start, tests). */
export interface Metrics {
  registry: Registry;
  mongoCommands: Counter<'command' | 'collection'>;
}

export function createMetrics(service: string, withDefaults = true): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (withDefaults) collectDefaultMetrics({ register: registry });
  const mongoCommands = new Counter({
    name: 'hiregraph_mongodb_commands_total',
    help: 'MongoDB commands sent, by command and collection (from the driver\'s command monitoring)',
    labelNames: ['command', 'collection'] as const,
    registers: [registry],
  });
  return { registry, mongoCommands };
}

const IGNORED = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'endSessions', 'buildInfo', 'saslStart', 'saslContinue']);

/** Counts every command the client sends (the client must be created with monitorCommands: true). */
export function countMongoCommands(client: MongoClient, counter: Metrics['mongoCommands']): void {
  client.on('commandStarted', (e: CommandStartedEvent) => {
    if (IGNORED.has(e.commandName)) return;
    const target = e.commandName === 'getMore' ? e.command.collection : e.command[e.commandName];
    counter.inc({ command: e.commandName, collection: typeof target === 'string' ? target : '' });
  });
}
