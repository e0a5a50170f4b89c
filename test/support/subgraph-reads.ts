import type { CommandStartedEvent, CommandSucceededEvent, Document, MongoClient, ObjectId } from 'mongodb';
import { signToken, type Role } from '../../shared/auth';
import { CleanupStack } from '../../shared/cleanup-stack';
import { loadConfig } from '../../shared/config';
import { startSubgraphs, type Subgraphs } from '../../scripts/stack';
import { startTestMongo, uniqueDbName, type TestMongo } from './mongo';
import { TEST_ENV, TEST_JWT_SECRET } from './secrets';

/** One read a subgraph sent MongoDB (a find or an aggregate) and what came back. */
export interface Read {
  collection: string;
  /** The find's projection, or the aggregate's first $project stage; undefined when it had none. */
  projection: Document | undefined;
  /** The documents of the reply's first batch (every read here fits in one). */
  docs: Document[];
}

/** The first stage of an aggregate: what a tenant-scoped pipeline starts with. */
type Stage = { $match?: { tenantId?: ObjectId }; $project?: Document };

/**
 * Every find and aggregate a subgraph's driver client sends for one tenant, with its reply, as
 * command monitoring sees them (the subgraphs' clients monitor commands for their metrics).
 * Background work of other tenants, or of none (the relay's catch-up), is left out.
 */
export class ReadLog {
  private readonly started = new Map<number, CommandStartedEvent>();
  private readonly reads: Read[] = [];

  constructor(client: MongoClient, tenantId: ObjectId) {
    client.on('commandStarted', (e) => {
      if (e.commandName !== 'find' && e.commandName !== 'aggregate') return;
      const scoped = e.commandName === 'find' ? e.command.filter : (e.command.pipeline as Stage[])[0]?.$match;
      if ((scoped as { tenantId?: ObjectId } | undefined)?.tenantId?.equals(tenantId)) this.started.set(e.requestId, e);
    });
    client.on('commandSucceeded', (e: CommandSucceededEvent) => {
      const s = this.started.get(e.requestId);
      if (!s) return;
      this.started.delete(e.requestId);
      const find = s.commandName === 'find';
      this.reads.push({
        collection: String(find ? s.command.find : s.command.aggregate),
        projection: find
          ? (s.command.projection as Document | undefined)
          : (s.command.pipeline as Stage[]).find((stage) => stage.$project)?.$project,
        docs: (e.reply as { cursor: { firstBatch: Document[] } }).cursor.firstBatch,
      });
    });
  }

  /** The reads of `collection` made while `run` ran. */
  async during<T>(collection: string, run: () => Promise<T>): Promise<{ value: T; reads: Read[] }> {
    const from = this.reads.length;
    const value = await run();
    return { value, reads: this.reads.slice(from).filter((r) => r.collection === collection) };
  }
}

export interface GqlAnswer<T> {
  data: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** The four subgraphs (no gateway) over a database of their own, asked directly as a gateway would. */
export interface SubgraphsUnderTest {
  subgraphs: Subgraphs;
  mongo: TestMongo;
  ask<T>(subgraph: keyof Subgraphs, query: string, variables?: Record<string, unknown>): Promise<GqlAnswer<T>>;
  close(): Promise<void>;
}

/** Starts the subgraphs; `ask` signs as a user of `tenantId` with `role`. */
export async function startSubgraphsUnderTest(tenantId: ObjectId, role: Role = 'admin'): Promise<SubgraphsUnderTest> {
  const cleanup = new CleanupStack();
  try {
    const mongo = await startTestMongo();
    cleanup.defer(() => mongo.close());
    const config = loadConfig({
      ...TEST_ENV,
      MONGODB_DB: uniqueDbName('projection'),
      QUEUE_PREFIX: uniqueDbName('projection'),
      LOG_LEVEL: 'silent',
    });
    const subgraphs = await startSubgraphs({ config, mongoUri: mongo.uri, randomPorts: true }, cleanup);
    cleanup.defer(() => subgraphs.tenant.db.dropDatabase().then(() => undefined));
    const token = await signToken(TEST_JWT_SECRET, { sub: 'reader', tid: tenantId.toHexString(), roles: [role] });
    const ask = async <T>(subgraph: keyof Subgraphs, query: string, variables?: Record<string, unknown>) => {
      const res = await fetch(subgraphs[subgraph].url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GqlAnswer<T>;
    };
    return { subgraphs, mongo, ask, close: () => cleanup.close() };
  } catch (err) {
    await cleanup.close();
    throw err;
  }
}
