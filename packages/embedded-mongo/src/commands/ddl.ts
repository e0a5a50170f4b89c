import { CODES, ServerError } from '../errors';
import { compileFilter } from '../query/match';
import { isNumeric, toNumber } from '../query/numeric';
import { isPlainObject, valuesEqual, type Doc } from '../query/values';
import type { IndexSpec } from '../storage/indexes';
import { optionalDoc, targetName } from './common';
import type { Handler } from './context';

const create: Handler = (cmd, ctx) => {
  const name = targetName(cmd, 'create');
  const options: Doc = {};
  for (const [k, v] of Object.entries(cmd))
    if (k !== 'create' && !k.startsWith('$') && k !== 'lsid' && k !== 'writeConcern') options[k] = v;
  if (
    options.viewOn !== undefined &&
    (typeof options.viewOn !== 'string' || (options.pipeline !== undefined && !Array.isArray(options.pipeline)))
  ) {
    throw new ServerError(CODES.BadValue, "'viewOn' must be a collection name and 'pipeline' an array");
  }
  if (options.viewOn !== undefined && options.pipeline === undefined) options.pipeline = [];
  ctx.store.createCollection(ctx.db, name, options);
  return { ok: 1 };
};

const drop: Handler = (cmd, ctx) => {
  const name = targetName(cmd, 'drop');
  const coll = ctx.store.collection(ctx.db, name);
  const nIndexesWas = coll?.indexes.size ?? 0;
  ctx.store.dropCollection(ctx.db, name);
  return { ns: `${ctx.db}.${name}`, nIndexesWas, ok: 1 };
};

const dropDatabase: Handler = (_cmd, ctx) => {
  ctx.store.dropDatabase(ctx.db);
  return { dropped: ctx.db, ok: 1 };
};

const listCollections: Handler = (cmd, ctx) => {
  const filter = compileFilter(optionalDoc(cmd, 'filter') ?? {});
  const entries = ctx.store
    .collections(ctx.db)
    .map((c) => {
      const view = typeof c.options.viewOn === 'string';
      return {
        name: c.name,
        type: view ? 'view' : 'collection',
        options: c.options,
        info: { readOnly: view },
        ...(view ? {} : { idIndex: { v: 2, key: { _id: 1 }, name: '_id_' } }),
      };
    })
    .filter((e) => filter(e));
  const docs = cmd.nameOnly === true ? entries.map((e) => ({ name: e.name, type: e.type })) : entries;
  return { cursor: ctx.cursors.first(`${ctx.db}.$cmd.listCollections`, docs, undefined), ok: 1 };
};

function defaultName(key: Doc): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}_${isNumeric(v) ? toNumber(v) : String(v)}`)
    .join('_');
}

function validateKey(key: unknown): Doc {
  if (!isPlainObject(key) || Object.keys(key).length === 0)
    throw new ServerError(CODES.CannotCreateIndex, 'Index keys must be a non-empty object');
  for (const [field, dir] of Object.entries(key)) {
    if (isNumeric(dir) && toNumber(dir) !== 0) continue;
    if (dir === 'hashed') continue;
    if (typeof dir === 'string')
      throw new ServerError(
        CODES.CannotCreateIndex,
        `index type '${dir}' on ${field} is not supported by the embedded server; use a real MongoDB through MONGODB_URI`,
      );
    throw new ServerError(
      CODES.CannotCreateIndex,
      `Values in the index key pattern can't be 0 or non-numeric: ${field}: ${JSON.stringify(dir)}`,
    );
  }
  return key;
}

const createIndexes: Handler = (cmd, ctx) => {
  const name = targetName(cmd, 'createIndexes');
  const specs = cmd.indexes;
  if (!Array.isArray(specs) || specs.length === 0)
    throw new ServerError(CODES.BadValue, "Must specify at least one index to create in 'indexes'");
  const existed = ctx.store.collection(ctx.db, name) !== undefined;
  const coll = ctx.store.collection(ctx.db, name, true)!;
  const before = coll.indexes.size;
  const toCreate: IndexSpec[] = [];
  for (const raw of specs) {
    if (!isPlainObject(raw)) throw new ServerError(CODES.TypeMismatch, 'each index specification must be an object');
    const key = validateKey(raw.key);
    const spec: IndexSpec = { ...raw, v: 2, key, name: typeof raw.name === 'string' ? raw.name : defaultName(key) };
    const sameName = coll.indexes.get(spec.name);
    if (sameName) {
      if (!valuesEqual(sameName.spec.key, key))
        throw new ServerError(
          CODES.IndexKeySpecsConflict,
          `An existing index has the same name as the requested index but a different key. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(sameName.spec)}`,
        );
      if (Boolean(sameName.spec.unique) !== Boolean(spec.unique))
        throw new ServerError(
          CODES.IndexOptionsConflict,
          `An existing index has the same name as the requested index but different options: ${spec.name}`,
        );
      continue;
    }
    const sameKey = [...coll.indexes.values()].find((i) => valuesEqual(i.spec.key, key));
    if (sameKey)
      throw new ServerError(CODES.IndexOptionsConflict, `Index already exists with a different name: ${sameKey.name}`);
    toCreate.push(spec);
  }
  for (const spec of toCreate) coll.createIndex(spec);
  return {
    numIndexesBefore: before,
    numIndexesAfter: coll.indexes.size,
    createdCollectionAutomatically: !existed,
    ...(toCreate.length === 0 ? { note: 'all indexes already exist' } : {}),
    ok: 1,
  };
};

const listIndexes: Handler = (cmd, ctx) => {
  const name = targetName(cmd, 'listIndexes');
  const coll = ctx.store.collection(ctx.db, name);
  if (!coll) throw new ServerError(CODES.NamespaceNotFound, `ns does not exist: ${ctx.db}.${name}`);
  const docs = [...coll.indexes.values()].map((i) => i.spec);
  return { cursor: ctx.cursors.first(`${ctx.db}.${name}`, docs, undefined), ok: 1 };
};

const dropIndexes: Handler = (cmd, ctx) => {
  const name = targetName(cmd, 'dropIndexes');
  const coll = ctx.store.collection(ctx.db, name);
  if (!coll) throw new ServerError(CODES.NamespaceNotFound, `ns not found ${ctx.db}.${name}`);
  const nIndexesWas = coll.indexes.size;
  const which = cmd.index;
  let names: string[];
  if (which === '*') names = [...coll.indexes.keys()].filter((n) => n !== '_id_');
  else if (typeof which === 'string') names = [which];
  else if (Array.isArray(which)) names = which.map(String);
  else if (isPlainObject(which)) {
    const found = [...coll.indexes.values()].find((i) => valuesEqual(i.spec.key, which));
    if (!found) throw new ServerError(CODES.IndexNotFound, `can't find index with key: ${JSON.stringify(which)}`);
    names = [found.name];
  } else throw new ServerError(CODES.TypeMismatch, "'index' must be a name, a key pattern, an array of names or '*'");
  for (const n of names) {
    if (n === '_id_') throw new ServerError(CODES.InvalidOptions, 'cannot drop _id index');
    if (!coll.indexes.has(n)) throw new ServerError(CODES.IndexNotFound, `index not found with name [${n}]`);
  }
  for (const n of names) coll.dropIndex(n);
  return { nIndexesWas, ok: 1 };
};

const collMod: Handler = (cmd, ctx) => {
  const name = targetName(cmd, 'collMod');
  const coll = ctx.store.collection(ctx.db, name);
  if (!coll) throw new ServerError(CODES.NamespaceNotFound, `ns does not exist: ${ctx.db}.${name}`);
  const changes: Doc = {};
  for (const k of ['validator', 'validationLevel', 'validationAction'] as const)
    if (cmd[k] !== undefined) changes[k] = cmd[k];
  if (changes.validator !== undefined) compileFilter(changes.validator);
  coll.setOptions({ ...coll.options, ...changes });
  return { ok: 1 };
};

export const ddlCommands: Record<string, Handler> = {
  create,
  drop,
  dropDatabase,
  listCollections,
  createIndexes,
  listIndexes,
  dropIndexes,
  collMod,
};
