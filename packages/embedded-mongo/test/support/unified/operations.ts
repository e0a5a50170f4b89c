import type { Collection, Db, Document, MongoClient } from 'mongodb';

export interface Entities {
  clients: Map<string, MongoClient>;
  dbs: Map<string, Db>;
  collections: Map<string, Collection>;
  results: Map<string, unknown>;
}

type Args = Record<string, unknown>;

function split(args: Args, ...take: string[]): [unknown[], Args] {
  const rest: Args = { ...args };
  const taken = take.map((k) => {
    const v = rest[k];
    delete rest[k];
    return v;
  });
  return [taken, rest];
}

function returnDocument(opts: Args): Args {
  if (typeof opts.returnDocument === 'string') return { ...opts, returnDocument: opts.returnDocument.toLowerCase() };
  return opts;
}

/** The Node driver's updateResult reports upsertedId null where the format expects it absent. */
function updateResult(r: Document): Document {
  const out: Document = { ...r };
  if (out.upsertedId === null) delete out.upsertedId;
  return out;
}

function bulkResult(r: Document): Document {
  return {
    insertedCount: r.insertedCount,
    matchedCount: r.matchedCount,
    modifiedCount: r.modifiedCount,
    deletedCount: r.deletedCount,
    upsertedCount: r.upsertedCount,
    upsertedIds: r.upsertedIds,
    insertedIds: r.insertedIds,
  };
}

export async function collectionOp(c: Collection, name: string, args: Args): Promise<unknown> {
  switch (name) {
    case 'insertOne': {
      const [[doc], o] = split(args, 'document');
      return c.insertOne(doc as Document, o);
    }
    case 'insertMany': {
      const [[docs], o] = split(args, 'documents');
      return c.insertMany(docs as Document[], o);
    }
    case 'updateOne': {
      const [[f, u], o] = split(args, 'filter', 'update');
      return updateResult(await c.updateOne(f as Document, u as Document, o));
    }
    case 'updateMany': {
      const [[f, u], o] = split(args, 'filter', 'update');
      return updateResult(await c.updateMany(f as Document, u as Document, o));
    }
    case 'replaceOne': {
      const [[f, r], o] = split(args, 'filter', 'replacement');
      return updateResult(await c.replaceOne(f as Document, r as Document, o));
    }
    case 'deleteOne': {
      const [[f], o] = split(args, 'filter');
      return c.deleteOne(f as Document, o);
    }
    case 'deleteMany': {
      const [[f], o] = split(args, 'filter');
      return c.deleteMany(f as Document, o);
    }
    case 'find': {
      const [[f], o] = split(args, 'filter');
      return c.find(f as Document, o).toArray();
    }
    case 'findOne': {
      const [[f], o] = split(args, 'filter');
      return c.findOne(f as Document, o);
    }
    case 'findOneAndDelete': {
      const [[f], o] = split(args, 'filter');
      return c.findOneAndDelete(f as Document, o);
    }
    case 'findOneAndUpdate': {
      const [[f, u], o] = split(args, 'filter', 'update');
      return c.findOneAndUpdate(f as Document, u as Document, returnDocument(o));
    }
    case 'findOneAndReplace': {
      const [[f, r], o] = split(args, 'filter', 'replacement');
      return c.findOneAndReplace(f as Document, r as Document, returnDocument(o));
    }
    case 'aggregate': {
      const [[p], o] = split(args, 'pipeline');
      return c.aggregate(p as Document[], o).toArray();
    }
    case 'countDocuments': {
      const [[f], o] = split(args, 'filter');
      return c.countDocuments(f as Document, o);
    }
    case 'estimatedDocumentCount':
      return c.estimatedDocumentCount(args);
    case 'count': {
      const [[f], o] = split(args, 'filter');
      return c.count(f as Document, o);
    }
    case 'distinct': {
      const [[k, f], o] = split(args, 'fieldName', 'filter');
      return c.distinct(k as string, f as Document, o);
    }
    case 'bulkWrite': {
      const [[reqs], o] = split(args, 'requests');
      return bulkResult(await c.bulkWrite(reqs as never, o));
    }
    case 'createIndex': {
      const [[keys], o] = split(args, 'keys');
      return c.createIndex(keys as Document, o);
    }
    case 'dropIndex': {
      const [[n], o] = split(args, 'name');
      return c.dropIndex(n as string, o);
    }
    case 'listIndexes':
      return c.listIndexes(args).toArray();
    default:
      throw new Error(`the runner does not implement collection operation ${name}`);
  }
}

export async function databaseOp(db: Db, name: string, args: Args): Promise<unknown> {
  switch (name) {
    case 'aggregate': {
      const [[p], o] = split(args, 'pipeline');
      return db.aggregate(p as Document[], o).toArray();
    }
    case 'createCollection': {
      const [[n], o] = split(args, 'collection');
      await db.createCollection(n as string, o);
      return undefined;
    }
    case 'dropCollection': {
      const [[n], o] = split(args, 'collection');
      return db.dropCollection(n as string, o);
    }
    case 'runCommand': {
      const [[cmd], o] = split(args, 'command', 'commandName');
      return db.command(cmd as Document, o);
    }
    case 'listCollections': {
      const [[f], o] = split(args, 'filter');
      return db.listCollections(f as Document, o).toArray();
    }
    case 'modifyCollection': {
      const [[n], o] = split(args, 'collection');
      return db.command({ collMod: n, ...o });
    }
    default:
      throw new Error(`the runner does not implement database operation ${name}`);
  }
}
