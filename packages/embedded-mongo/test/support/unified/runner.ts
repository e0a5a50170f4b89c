import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EJSON } from 'bson';
import { MongoClient, MongoServerError, type Document } from 'mongodb';
import { mismatch } from './match';
import { collectionOp, databaseOp, type Entities } from './operations';

type Json = Record<string, unknown>;

export interface SpecTest {
  file: string;
  description: string;
  skip: string | null;
  run: () => Promise<void>;
}

/** The server version the requirements are checked against (the embedded server reports 7.0.0). */
export interface ServerInfo {
  version: number[];
  topology: 'single' | 'replicaset' | 'sharded';
}

function versionOf(s: string): number[] {
  return s.split('.').map(Number).concat([0, 0, 0]).slice(0, 3);
}

function cmpVersion(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

function requirementsMet(reqs: Json[] | undefined, server: ServerInfo): boolean {
  if (!reqs || reqs.length === 0) return true;
  return reqs.some((r) => {
    if (typeof r.minServerVersion === 'string' && cmpVersion(server.version, versionOf(r.minServerVersion)) < 0)
      return false;
    if (typeof r.maxServerVersion === 'string' && cmpVersion(server.version, versionOf(r.maxServerVersion)) > 0)
      return false;
    if (Array.isArray(r.topologies) && !r.topologies.includes(server.topology)) return false;
    if (r.serverless === 'require' || r.auth === true || r.csfle === true) return false;
    if (r.serverParameters !== undefined) return false;
    return true;
  });
}

/**
 * What the embedded server deliberately does not support, so tests that need it are skipped with
 * this reason rather than counted as failures. Everything else must pass.
 */
function deliberateSkip(file: Json, test: Json): string | null {
  const entities = (file.createEntities as Json[] | undefined) ?? [];
  if (entities.some((e) => 'session' in e)) return 'sessions and transactions are not supported';
  const ops = test.operations as Json[];
  if (ops.some((o) => o.name === 'failPoint' || o.name === 'targetedFailPoint'))
    return 'failpoints (server fault injection) are not supported';
  if (ops.some((o) => o.name === 'clientBulkWrite')) return 'client-level bulkWrite is a MongoDB 8.0 command';
  // The Node.js driver replaces a null _id with a fresh ObjectId before sending an insert, so these
  // cases test a driver behaviour the server never sees (they fail against a real MongoDB too).
  if (
    file.description === 'create-null-ids' &&
    ops.some((o) => ['insertOne', 'insertMany', 'bulkWrite'].includes(o.name as string))
  ) {
    const first = ops[0]!;
    const args = (first.arguments as Json) ?? {};
    const docs = args.document
      ? [args.document]
      : ((args.documents as Json[]) ?? ((args.requests as Json[]) ?? []).map((r) => (r.insertOne as Json)?.document));
    if (docs.some((d) => d && (d as Json)._id === null))
      return 'the Node.js driver replaces a null _id with an ObjectId before sending inserts';
  }
  return null;
}

async function setUp(file: Json, uri: string, client: MongoClient, opened: MongoClient[]): Promise<Entities> {
  for (const d of (file.initialData as Json[] | undefined) ?? []) {
    const db = client.db(d.databaseName as string);
    await db.dropCollection(d.collectionName as string).catch(() => undefined);
    await db.createCollection(d.collectionName as string, (d.createOptions as Document) ?? {});
    const docs = d.documents as Document[];
    if (docs.length) await db.collection(d.collectionName as string).insertMany(docs, { writeConcern: { w: 1 } });
  }
  const ents: Entities = { clients: new Map(), dbs: new Map(), collections: new Map(), results: new Map() };
  for (const e of (file.createEntities as Json[] | undefined) ?? []) {
    if (e.client) {
      const c = e.client as Json;
      const mc = new MongoClient(uri, { ...((c.uriOptions as Json) ?? {}) });
      opened.push(mc);
      ents.clients.set(c.id as string, mc);
    } else if (e.database) {
      const d = e.database as Json;
      ents.dbs.set(
        d.id as string,
        ents.clients.get(d.client as string)!.db(d.databaseName as string, (d.databaseOptions as Json) ?? {}),
      );
    } else if (e.collection) {
      const c = e.collection as Json;
      ents.collections.set(
        c.id as string,
        ents.dbs.get(c.database as string)!.collection(c.collectionName as string, (c.collectionOptions as Json) ?? {}),
      );
    }
  }
  return ents;
}

function checkError(expected: Json, err: unknown): void {
  const e = err as MongoServerError & { errorResponse?: Document; writeErrors?: unknown; result?: Document };
  const fromServer =
    err instanceof MongoServerError ||
    (e?.name ?? '').startsWith('MongoBulkWrite') ||
    (e?.name ?? '') === 'MongoWriteConcernError';
  const fail = (why: string): never => {
    throw new Error(`${why}; got ${e?.name}: ${e?.message}`);
  };
  if (expected.isClientError === true && fromServer) fail('expected a client-side error');
  if (expected.isClientError === false && !fromServer) fail('expected a server error');
  if (
    typeof expected.errorContains === 'string' &&
    !String(e?.message).toLowerCase().includes(expected.errorContains.toLowerCase())
  ) {
    fail(`expected the error to contain "${expected.errorContains}"`);
  }
  if (expected.errorCode !== undefined && e?.code !== Number(expected.errorCode))
    fail(`expected error code ${String(expected.errorCode)}`);
  if (typeof expected.errorCodeName === 'string' && e?.codeName !== expected.errorCodeName)
    fail(`expected code name ${expected.errorCodeName}`);
  if (expected.errorResponse !== undefined) {
    const m = mismatch(expected.errorResponse, e?.errorResponse ?? {});
    if (m) fail(`error response: ${m}`);
  }
  if (expected.expectResult !== undefined) {
    const partial = e?.result ? { ...e.result, insertedIds: (e.result as Document).insertedIds } : {};
    const m = mismatch(expected.expectResult, partial);
    if (m) fail(`partial result: ${m}`);
  }
}

async function runOperation(op: Json, ents: Entities): Promise<void> {
  const args = (op.arguments as Json) ?? {};
  const name = op.name as string;
  const target = op.object as string;
  let run: () => Promise<unknown>;
  if (ents.collections.has(target)) run = () => collectionOp(ents.collections.get(target)!, name, args);
  else if (ents.dbs.has(target)) run = () => databaseOp(ents.dbs.get(target)!, name, args);
  else throw new Error(`the runner has no entity ${target} for ${name}`);
  let result: unknown;
  try {
    result = await run();
  } catch (err) {
    if (op.expectError) {
      checkError(op.expectError as Json, err);
      return;
    }
    if (op.ignoreResultAndError) return;
    throw err;
  }
  if (op.expectError)
    throw new Error(
      `${name} was expected to fail (${EJSON.stringify(op.expectError)}) but returned ${EJSON.stringify(result as Document)}`,
    );
  if (typeof op.saveResultAsEntity === 'string') ents.results.set(op.saveResultAsEntity, result);
  if (op.expectResult !== undefined && !op.ignoreResultAndError) {
    const m = mismatch(op.expectResult, result);
    if (m) throw new Error(`${name} result: ${m}`);
  }
}

async function checkOutcome(file: Json, test: Json, client: MongoClient): Promise<void> {
  for (const o of (test.outcome as Json[] | undefined) ?? []) {
    const docs = await client
      .db(o.databaseName as string)
      .collection(o.collectionName as string)
      .find({})
      .sort({ _id: 1 })
      .toArray();
    const m = mismatch(o.documents, docs, false);
    if (m) throw new Error(`outcome of ${String(o.collectionName)}: ${m}`);
  }
  void file;
}

/** Loads every unified CRUD spec test in `dir` as a runnable test case. */
export function loadSpecTests(dir: string, uri: () => string, server: ServerInfo): SpecTest[] {
  const out: SpecTest[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const file = EJSON.parse(readFileSync(join(dir, name), 'utf8'), { relaxed: true }) as Json;
    for (const test of file.tests as Json[]) {
      let skip = deliberateSkip(file, test);
      if (
        !skip &&
        (!requirementsMet(file.runOnRequirements as Json[], server) ||
          !requirementsMet(test.runOnRequirements as Json[], server))
      ) {
        skip = 'runOnRequirements not met by a MongoDB 7.0 standalone';
      }
      if (!skip && typeof test.skipReason === 'string') skip = `skipped by the spec: ${test.skipReason}`;
      out.push({
        file: name,
        description: test.description as string,
        skip,
        run: async () => {
          const opened: MongoClient[] = [];
          const setupClient = new MongoClient(uri());
          opened.push(setupClient);
          try {
            const ents = await setUp(file, uri(), setupClient, opened);
            for (const op of test.operations as Json[]) await runOperation(op, ents);
            await checkOutcome(file, test, setupClient);
          } finally {
            await Promise.allSettled(opened.map((c) => c.close()));
          }
        },
      });
    }
  }
  return out;
}
